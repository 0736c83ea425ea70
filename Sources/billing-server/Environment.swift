import Foundation

/// Configuration source: the process environment first, then a `.env` file (KEY=VALUE lines).
struct Environment {
    private var values: [String: String]

    /// Reads `.env` (or `ENV_FILE`) under the real environment, which wins on conflicts.
    static func load(processEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws -> Environment {
        var values: [String: String] = [:]
        let path = processEnvironment["ENV_FILE"] ?? ".env"
        if let data = FileManager.default.contents(atPath: path) {
            values = try parseDotEnv(String(decoding: data, as: UTF8.self), path: path)
        } else if processEnvironment["ENV_FILE"] != nil, !FileManager.default.fileExists(atPath: path) {
            throw ConfigurationError(key: "ENV_FILE", reason: "cannot read \(path)")
        }
        for (k, v) in processEnvironment { values[k] = v }
        return Environment(values: values)
    }

    /// Parses `KEY=VALUE` lines; `#` comments, blank lines, `export ` prefixes and quoted values are accepted.
    static func parseDotEnv(_ text: String, path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigurationError(key: "ENV_FILE", reason: "\(path) line \(n + 1) is not KEY=VALUE")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            out[key] = value
        }
        return out
    }

    /// The raw value, nil when unset or empty.
    func string(_ key: String) -> String? {
        guard let v = values[key], !v.isEmpty else { return nil }
        return v
    }

    func string(_ key: String, default value: String) -> String { string(key) ?? value }

    func int(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let raw = string(key) else { return value }
        guard let v = Int(raw), range.contains(v) else {
            throw ConfigurationError(key: key, reason: "must be an integer between \(range.lowerBound) and \(range.upperBound), got '\(raw)'")
        }
        return v
    }

    func double(_ key: String, default value: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let raw = string(key) else { return value }
        guard let v = Double(raw), v.isFinite, range.contains(v) else {
            throw ConfigurationError(key: key, reason: "must be a number between \(range.lowerBound) and \(range.upperBound), got '\(raw)'")
        }
        return v
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let raw = string(key) else { return value }
        switch raw.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(key: key, reason: "must be true or false, got '\(raw)'")
        }
    }
}

/// A configuration value that cannot be used; the message names the key.
struct ConfigurationError: Error, CustomStringConvertible {
    let key: String
    let reason: String
    var description: String { "configuration error: \(key) \(reason)" }
}
