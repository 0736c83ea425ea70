/// SQL text with its bind values written where they appear, rendered as `?` or `$n` by the backend.
///
/// ```swift
/// let q: SQL = "SELECT * FROM invoices WHERE tenant_id = \(bind: tenantId) AND amount_cents > \(bind: minimum)"
/// let rows = try conn.query(q)
/// ```
///
/// Values never become SQL text: `\(bind: x)` appends a `?` placeholder and keeps `x` as an argument, so
/// injection cannot be written by accident. `\(sql: fragment)` splices another `SQL` with its arguments;
/// `\(raw: name)` splices trusted text (a table name from code, never from input); `\(binds: list)`
/// writes `?, ?, ?` for an `IN (…)` list.
///
/// The text uses `?` placeholders in both dialects. On PostgreSQL the connection renders them as `$1…$n`,
/// skipping string literals, quoted identifiers, comments and `::` casts (see `PlaceholderRenderer`).
public struct SQL: Sendable, Hashable {
    /// The statement with one `?` per argument.
    public private(set) var text: String
    /// The values for the placeholders, in order.
    public private(set) var arguments: [SQLValue]

    /// SQL written with `?` placeholders and its positional arguments (the style of `conn.run(sql, args)`).
    public init(_ text: String, _ arguments: [SQLValue] = []) {
        self.text = text
        self.arguments = arguments
    }

    /// Appends `other` (text and arguments).
    public mutating func append(_ other: SQL) {
        text += other.text
        arguments += other.arguments
    }

    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        var result = lhs
        result.append(rhs)
        return result
    }

    /// `parts` joined with `separator` (e.g. `" AND "` between conditions).
    public static func joined(_ parts: [SQL], separator: String) -> SQL {
        var result = SQL("")
        for (i, part) in parts.enumerated() {
            if i > 0 { result.text += separator }
            result.append(part)
        }
        return result
    }
}

extension SQL: ExpressibleByStringInterpolation {
    public init(stringLiteral value: String) {
        self.init(value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(stringInterpolation.text, stringInterpolation.arguments)
    }

    /// Builds an `SQL` from a literal: literal text is kept, interpolations bind values.
    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""
        var arguments: [SQLValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount)
            arguments.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { text += literal }

        /// A bound value: `?` in the text, `value` in the arguments.
        public mutating func appendInterpolation(bind value: some SQLEncodable) {
            text += "?"
            arguments.append(value.sqlValue)
        }

        /// A bound optional value; nil binds NULL. (Spelled out so optionals need no `String(describing:)`.)
        public mutating func appendInterpolation<T: SQLEncodable>(bind value: T?) {
            text += "?"
            arguments.append(value?.sqlValue ?? .null)
        }

        /// Bound values separated by commas, for `IN (\(binds: ids))`. An empty list writes `NULL`
        /// (so `x IN (NULL)` matches nothing instead of being a syntax error).
        public mutating func appendInterpolation(binds values: [some SQLEncodable]) {
            guard !values.isEmpty else {
                text += "NULL"
                return
            }
            text += Array(repeating: "?", count: values.count).joined(separator: ", ")
            arguments += values.map(\.sqlValue)
        }

        /// Another SQL fragment with its own arguments. Labelled so that a literal holding one can only
        /// be an `SQL`: `conn.query("… WHERE \(sql: condition)")` never falls back to the `String` overload.
        public mutating func appendInterpolation(sql fragment: SQL) {
            text += fragment.text
            arguments += fragment.arguments
        }

        /// Trusted text spliced as is: identifiers or keywords chosen by code, never user input.
        public mutating func appendInterpolation(raw text: String) { self.text += text }
    }
}

extension SQL: CustomStringConvertible {
    /// The text only: arguments may hold secrets and are never printed.
    public var description: String { text }
}

extension DefaultStringInterpolation {
    /// Interpolating an `SQL` into a `String` drops its arguments (the statement then fails on its
    /// argument count): a compile-time warning points at `\(sql:)`.
    @available(*, deprecated, message: "an SQL fragment interpolated into a String loses its bound values; write \\(sql: fragment)")
    public mutating func appendInterpolation(_ fragment: SQL) { appendLiteral(fragment.text) }
}

/// A Swift value that binds as one SQL parameter.
public protocol SQLEncodable {
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLEncodable { public var sqlValue: SQLValue { self } }
extension Int: SQLEncodable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLEncodable { public var sqlValue: SQLValue { .integer(self) } }
extension Int32: SQLEncodable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLEncodable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLEncodable { public var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLEncodable { public var sqlValue: SQLValue { .text(String(self)) } }
/// Booleans bind as 0 / 1 (BIGINT flags on PostgreSQL, SQLite's convention).
extension Bool: SQLEncodable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Array: SQLEncodable where Element == UInt8 { public var sqlValue: SQLValue { .blob(self) } }
extension Optional: SQLEncodable where Wrapped: SQLEncodable { public var sqlValue: SQLValue { self?.sqlValue ?? .null } }

/// Enums stored by raw value bind once they declare conformance: `extension Invoice.Status: SQLEncodable {}`.
extension SQLEncodable where Self: RawRepresentable, Self.RawValue: SQLEncodable {
    public var sqlValue: SQLValue { rawValue.sqlValue }
}
