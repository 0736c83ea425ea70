/// Everything the fake Asaas server can be told (SPEC.md §9 command line plus test knobs).
public struct AsaasFakeConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 = an ephemeral port (read it back from `AsaasFakeServer.port`).
    public var port = 0
    /// The only `access_token` accepted.
    public var apiKey: String
    /// Where webhooks go; nil or empty = none are sent.
    public var webhookURL: String?
    /// Sent as `asaas-access-token` with every delivery (omitted when nil).
    public var webhookToken: String?
    /// Delay added to every API answer (after the work is done, like a slow network).
    public var latencyMs = 0
    /// Fraction of API calls answered 503 without doing anything.
    public var failRate = 0.0
    /// Deliver every webhook twice, the copy after the next event (so also out of order).
    public var duplicateWebhooks = false
    /// Multiplies Asaas's webhook retry schedule (30 s, 60 s, 210 s, …): 1/30 makes the first retry wait 1 s.
    public var webhookTimeScale = 1.0 / 30
    /// Attempts per event before it is dropped (Asaas: 15).
    public var webhookMaxAttempts = 15
    /// Seconds a webhook receiver has to answer (Asaas: 10).
    public var webhookTimeout = 10.0
    /// HTTP worker threads (each slow answer under `latencyMs` holds one).
    public var workerCount = 16

    public init(apiKey: String) {
        self.apiKey = apiKey
    }

    public static let usage = """
        usage: asaas-fake --port P --api-key K [--webhook-url URL] [--webhook-token T]
                          [--latency-ms N] [--fail-rate F] [--duplicate-webhooks]
                          [--webhook-time-scale S] [--webhook-max-attempts N] [--host H]
        """

    /// Parses the command line (without the program name).
    public static func parse(_ arguments: [String]) throws(AsaasFakeUsageError) -> AsaasFakeConfiguration {
        var options: [String: String] = [:]
        var flags = Set<String>()
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            guard argument.hasPrefix("--") else { throw AsaasFakeUsageError("unexpected argument \(argument)") }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if name == "duplicate-webhooks" || name == "help" {
                flags.insert(name)
            } else {
                if value == nil {
                    i += 1
                    guard i < arguments.count else { throw AsaasFakeUsageError("--\(name) needs a value") }
                    value = arguments[i]
                }
                options[name] = value
            }
            i += 1
        }
        if flags.contains("help") { throw AsaasFakeUsageError("") }
        guard let key = options.removeValue(forKey: "api-key"), !key.isEmpty else { throw AsaasFakeUsageError("--api-key is required") }
        var c = AsaasFakeConfiguration(apiKey: key)
        c.duplicateWebhooks = flags.contains("duplicate-webhooks")
        for (name, value) in options {
            switch name {
            case "port":
                guard let port = Int(value), (0...65535).contains(port) else { throw AsaasFakeUsageError("bad --port \(value)") }
                c.port = port
            case "host": c.host = value
            case "webhook-url": c.webhookURL = value
            case "webhook-token": c.webhookToken = value
            case "latency-ms":
                guard let ms = Int(value), ms >= 0 else { throw AsaasFakeUsageError("bad --latency-ms \(value)") }
                c.latencyMs = ms
            case "fail-rate":
                guard let rate = Double(value), (0...1).contains(rate) else { throw AsaasFakeUsageError("bad --fail-rate \(value)") }
                c.failRate = rate
            case "webhook-time-scale":
                guard let scale = Double(value), scale >= 0 else { throw AsaasFakeUsageError("bad --webhook-time-scale \(value)") }
                c.webhookTimeScale = scale
            case "webhook-max-attempts":
                guard let n = Int(value), n >= 1 else { throw AsaasFakeUsageError("bad --webhook-max-attempts \(value)") }
                c.webhookMaxAttempts = n
            default:
                throw AsaasFakeUsageError("unknown option --\(name)")
            }
        }
        return c
    }
}

/// A command-line mistake; `message` is empty for `--help`.
public struct AsaasFakeUsageError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
