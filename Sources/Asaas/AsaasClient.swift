import Foundation
import Outbound
import Support

/// Typed, blocking client for the Asaas v3 API (CONTRACT.md), on `OutboundHTTPClient`.
///
/// Calls block for up to the configured timeout, so run them on worker threads.
/// Safety rules (SPEC.md §9, CONTRACT.md §7):
/// - GET and DELETE are retried on 429, 5xx or a failed connect, with exponential backoff that honours
///   `Retry-After` / `RateLimit-Reset`.
/// - POST and PUT are never retried blindly. Creates carry `externalReference`; when one times out the
///   client first looks the object up by that reference and returns it if it exists, and only then
///   tries the create again.
/// - Request bodies, card data and the API key are never logged; log lines carry method, path, status,
///   attempt and duration only.
public final class AsaasClient: Sendable {
    public let configuration: AsaasConfiguration
    private let http: OutboundHTTPClient
    private let logger: Logger?

    public init(configuration: AsaasConfiguration, http: OutboundHTTPClient, logger: Logger? = nil) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
    }

    // MARK: - Balance

    /// The account balance in cents (`GET /finance/balance`).
    public func balance() throws(AsaasError) -> Int64 {
        let json = try perform("GET", "/finance/balance")
        guard let cents = AsaasMoney.cents(json["balance"]) else { throw .invalidResponse("balance has no amount") }
        return cents
    }

    // MARK: - Transport

    /// Sends one call and returns the parsed JSON of a 2xx answer.
    ///
    /// - Parameters:
    ///   - query: already-decoded name/value pairs; encoded here.
    ///   - timeout: overrides `configuration.timeout` (card calls).
    func perform(_ method: String, _ path: String, query: [(String, String)] = [], body: AsaasBody? = nil,
                 timeout: Double? = nil) throws(AsaasError) -> JSON {
        let retrySafe = method == "GET" || method == "DELETE"
        var request = OutboundRequest(method: method, url: url(path, query: query), headers: headers(hasBody: body != nil),
                                      body: body?.bytes())
        request.timeout = timeout ?? configuration.timeout
        request.connectTimeout = min(configuration.connectTimeout, request.timeout)

        var attempt = 0
        while true {
            let response: OutboundResponse
            do {
                response = try http.send(request)
            } catch {
                let failure = Self.map(error)
                log(.warning, "asaas call failed", method: method, path: path, status: failure.logCode, attempt: attempt,
                    seconds: nil)
                if retrySafe, failure != .timeout, attempt < configuration.maxRetries {
                    backoff(attempt: attempt, response: nil)
                    attempt += 1
                    continue
                }
                throw failure
            }
            log(response.status < 400 ? .debug : .warning, "asaas call", method: method, path: path,
                status: String(response.status), attempt: attempt, seconds: response.durationSeconds)
            if (200..<300).contains(response.status) {
                if response.body.isEmpty { return .null }
                do {
                    return try JSON.parse(response.body)
                } catch {
                    throw .invalidResponse("\(method) \(path): \(error)")
                }
            }
            if retrySafe, response.status == 429 || response.status >= 500, attempt < configuration.maxRetries {
                backoff(attempt: attempt, response: response)
                attempt += 1
                continue
            }
            throw Self.gatewayError(status: response.status, body: response.body)
        }
    }

    /// A create (POST) that is never retried blindly: after a timeout the object is looked up by
    /// `externalReference`; found → returned, not found → the create is tried again (at most
    /// `maxRetries` times), failed lookup → `.timeout`.
    func create<T>(_ path: String, body: AsaasBody, externalReference: String?, timeout: Double? = nil,
                   lookup: (String) throws(AsaasError) -> T?, decode: (JSON) throws(AsaasError) -> T) throws(AsaasError) -> T {
        var attempt = 0
        while true {
            do throws(AsaasError) {
                return try decode(perform("POST", path, body: body, timeout: timeout))
            } catch {
                guard error == .timeout, let reference = externalReference, !reference.isEmpty else { throw error }
                let found: T?
                do throws(AsaasError) {
                    found = try lookup(reference)
                } catch {
                    log(.warning, "asaas create timed out and lookup failed", method: "POST", path: path,
                        status: error.logCode, attempt: attempt, seconds: nil)
                    throw .timeout
                }
                if let found {
                    log(.info, "asaas create timed out; found by externalReference", method: "POST", path: path,
                        status: "timeout", attempt: attempt, seconds: nil)
                    return found
                }
                guard attempt < configuration.maxRetries else { throw .timeout }
                attempt += 1
            }
        }
    }

    private func url(_ path: String, query: [(String, String)]) -> String {
        var url = configuration.baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { Self.percentEncode($0.0) + "=" + Self.percentEncode($0.1) }.joined(separator: "&")
        }
        return url
    }

    private func headers(hasBody: Bool) -> [(String, String)] {
        var headers = [("access_token", configuration.apiKey), ("User-Agent", configuration.userAgent),
                       ("Accept", "application/json")]
        if hasBody { headers.append(("Content-Type", "application/json")) }
        return headers
    }

    /// Sleeps before the next attempt: the server's `Retry-After` or `RateLimit-Reset` (seconds) when
    /// given, else `retryBaseDelay · 2^attempt` with ±25 % jitter; always capped at `maxRetryDelay`.
    private func backoff(attempt: Int, response: OutboundResponse?) {
        var delay = configuration.retryBaseDelay * Double(1 << min(attempt, 16))
        delay *= Double.random(in: 0.75...1.25)
        if let response, let hinted = (response.header("Retry-After") ?? response.header("RateLimit-Reset")).flatMap(Double.init),
           hinted >= 0 {
            delay = hinted
        }
        delay = min(max(0, delay), configuration.maxRetryDelay)
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
    }

    private func log(_ level: LogLevel, _ message: String, method: String, path: String, status: String, attempt: Int,
                     seconds: Double?) {
        guard let logger else { return }
        var fields = [("method", method), ("path", path), ("status", status), ("attempt", String(attempt))]
        if let seconds { fields.append(("seconds", String(format: "%.3f", seconds))) }
        logger.log(level, message, fieldList: fields)
    }

    // MARK: - Error mapping

    static func map(_ error: OutboundError) -> AsaasError {
        switch error {
        case .timeout: .timeout
        case .connectFailed(let message): .unreachable(message)
        case .tls(let message): .unreachable("tls: " + message)
        case .invalidURL(let message): .unreachable("invalid base URL: " + message)
        case .other(let code, let message): .unreachable("curl \(code): " + message)
        }
    }

    /// The first entry of Asaas's `{"errors":[{code,description}]}`, or `http_<status>` with a short,
    /// single-line excerpt of whatever else came back.
    static func gatewayError(status: Int, body: [UInt8]) -> AsaasError {
        if let json = try? JSON.parse(body), let first = json["errors"]?.arrayValue?.first {
            return .gateway(status: status, code: first["code"]?.stringValue ?? "http_\(status)",
                            description: first["description"]?.stringValue ?? "")
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .map { $0.isNewline || $0 == "\t" ? " " : $0 }
        return .gateway(status: status, code: "http_\(status)", description: String(text))
    }

    /// Percent-encodes everything except RFC 3986 unreserved characters (so an id can never add a path
    /// segment or a query parameter).
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// `/payments/<escaped id><suffix>`.
    static func path(_ collection: String, _ id: String, _ suffix: String = "") -> String {
        "/\(collection)/\(percentEncode(id))\(suffix)"
    }
}

extension AsaasError {
    /// A short token for log lines.
    var logCode: String {
        switch self {
        case .gateway(let status, let code, _): "\(status) \(code)"
        case .timeout: "timeout"
        case .unreachable: "unreachable"
        case .invalidResponse: "invalid_response"
        }
    }
}
