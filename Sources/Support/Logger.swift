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

    /// A value as written after `key=`, so that every entry stays one line of unambiguous pairs.
    ///
    /// Non-empty printable ASCII without space, `"` or `=` is written bare; anything else is quoted,
    /// with `"` and `\` backslash-escaped, LF, CR and tab as `\n` `\r` `\t`, other C0 controls and DEL
    /// as `\xHH`, and the scalars a terminal or viewer could take for a line break or that do not
    /// show — C1 controls (NEL), U+2028, U+2029 and format characters (bidirectional overrides,
    /// U+0600, zero-width spaces) — as `\u{H…}`. Works on scalars, never `Character`s, since
    /// `"\r\n"` and U+0600 + `"` are single `Character`s.
    static func quote(_ value: String) -> String {
        let bare = !value.isEmpty && value.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != 34 && $0 != 61 }
        guard !bare else { return value }
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
                    out += "\\x" + hexDigits(scalar.value, minimumWidth: 2)
                } else if isInvisibleOrLineBreaking(scalar) {
                    out += "\\u{" + hexDigits(scalar.value, minimumWidth: 1) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// C1 controls, line and paragraph separators, and format characters (Unicode category Cf).
    private static func isInvisibleOrLineBreaking(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .format: true
        default: false
        }
    }

    private static func hexDigits(_ value: UInt32, minimumWidth: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, minimumWidth - digits.count)) + digits
    }
}
