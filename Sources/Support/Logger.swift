import Foundation
import Synchronization

/// Severity of a log line; ordered from most to least verbose.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warning, error

    /// Parses `debug|info|warning|warn|error` (case-insensitive).
    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// A structured logger writing one line of `key=value` pairs per entry.
///
/// Callers pass fields explicitly; nothing is interpolated from request bodies, so
/// secrets only reach a log when code names them (and no code does).
public final class Logger: Sendable {
    /// Where lines go; tests capture them.
    public typealias Sink = @Sendable (String) -> Void

    public let level: LogLevel
    private let sink: Sink

    public init(level: LogLevel = .info, sink: @escaping Sink = Logger.standardError) {
        self.level = level
        self.sink = sink
    }

    /// Writes to stderr, one `write(2)` per line so concurrent lines never interleave.
    public static let standardError: Sink = { line in
        var bytes = Array(line.utf8)
        bytes.append(10)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// Logs `message` with ordered `fields` when `level` is enabled.
    public func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard level >= self.level else { return }
        var line = "time=\(RFC3339.format(Date())) level=\(level.name) msg=\(Logger.quote(message))"
        for (key, value) in fields {
            line += " \(key)=\(Logger.quote(value))"
        }
        sink(line)
    }

    /// Like `log(_:_:_:)` for fields assembled at run time (a `KeyValuePairs` can only be a literal),
    /// e.g. the access log line plus a response's `logFields`.
    public func log(_ level: LogLevel, _ message: String, fieldList: [(String, String)]) {
        guard level >= self.level else { return }
        var line = "time=\(RFC3339.format(Date())) level=\(level.name) msg=\(Logger.quote(message))"
        for (key, value) in fieldList {
            line += " \(key)=\(Logger.quote(value))"
        }
        sink(line)
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, message, fields) }

    /// Quotes a value when it contains spaces, quotes or control bytes.
    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.utf8.contains { $0 <= 32 || $0 == 34 || $0 == 61 || $0 == 127 }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 32 || scalar.value == 127 {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
