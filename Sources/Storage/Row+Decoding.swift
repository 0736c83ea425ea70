/// A Swift type a column value decodes to, strictly: a value of another storage class is an error.
public protocol SQLDecodable {
    /// The decoded value, or nil when `value` (never `.null`) does not hold this type.
    static func decode(sqlValue value: SQLValue) -> Self?
}

extension SQLValue: SQLDecodable {
    public static func decode(sqlValue value: SQLValue) -> SQLValue? { value }
}

extension Int64: SQLDecodable {
    /// An integer, or a real that is exactly an integer (PostgreSQL's `numeric` results arrive as either).
    public static func decode(sqlValue value: SQLValue) -> Int64? { value.int64Value }
}

extension Int: SQLDecodable {
    public static func decode(sqlValue value: SQLValue) -> Int? { value.int64Value.flatMap { Int(exactly: $0) } }
}

extension Int32: SQLDecodable {
    public static func decode(sqlValue value: SQLValue) -> Int32? { value.int64Value.flatMap { Int32(exactly: $0) } }
}

extension Double: SQLDecodable {
    /// A real, or an integer widened (SQLite stores integral REAL values compactly; `SUM` may be either).
    public static func decode(sqlValue value: SQLValue) -> Double? { value.doubleValue }
}

extension String: SQLDecodable {
    public static func decode(sqlValue value: SQLValue) -> String? { value.stringValue }
}

extension Bool: SQLDecodable {
    /// Only 0 and 1: any other value in a flag column is a corrupt row, not `true`.
    public static func decode(sqlValue value: SQLValue) -> Bool? {
        switch value.int64Value {
        case 0: return false
        case 1: return true
        default: return nil
        }
    }
}

extension Array: SQLDecodable where Element == UInt8 {
    public static func decode(sqlValue value: SQLValue) -> [UInt8]? { value.blobValue }
}

/// Enums stored by raw value decode once they declare conformance: `extension Invoice.Status: SQLDecodable {}`.
extension SQLDecodable where Self: RawRepresentable, Self.RawValue: SQLDecodable {
    public static func decode(sqlValue value: SQLValue) -> Self? {
        RawValue.decode(sqlValue: value).flatMap(Self.init(rawValue:))
    }
}

/// A row that does not hold what its decoder expects: names the column and what was found, never the value.
public struct RowDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Problem: Sendable, Equatable {
        /// The result has no column of that name.
        case missingColumn
        /// The column is NULL where a value is required.
        case unexpectedNull
        /// The column holds another storage class (or a value out of the type's range).
        case typeMismatch(found: String)
    }

    public let column: String
    /// The Swift type asked for.
    public let expected: String
    public let problem: Problem

    public init(column: String, expected: String, problem: Problem) {
        self.column = column
        self.expected = expected
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missingColumn: return "corrupt row: no column \(column) (expected \(expected))"
        case .unexpectedNull: return "corrupt row: column \(column) is NULL (expected \(expected))"
        case .typeMismatch(let found): return "corrupt row: column \(column) holds \(found) (expected \(expected))"
        }
    }
}

extension SQLValue {
    /// The storage class, for error messages (`integer`, `real`, `text`, `blob`, `null`).
    public var storageClass: String {
        switch self {
        case .null: return "null"
        case .integer: return "integer"
        case .real: return "real"
        case .text: return "text"
        case .blob: return "blob"
        }
    }
}

extension Row {
    /// The value of `column` as `type`; throws `RowDecodingError` when the column is missing, NULL,
    /// or of another storage class.
    ///
    /// ```swift
    /// let id = try row.decode(String.self, "id")
    /// let amount = try row.decode(Int64.self, "amount_cents")
    /// ```
    public func decode<T: SQLDecodable>(_ type: T.Type = T.self, _ column: String) throws -> T {
        guard let value = try decodeIfPresent(type, column) else {
            throw RowDecodingError(column: column, expected: String(describing: type), problem: .unexpectedNull)
        }
        return value
    }

    /// The value of `column` as `type`, nil when it is NULL; throws when the column is missing or of another type.
    public func decodeIfPresent<T: SQLDecodable>(_ type: T.Type = T.self, _ column: String) throws -> T? {
        guard let i = index.position(of: column) else {
            throw RowDecodingError(column: column, expected: String(describing: type), problem: .missingColumn)
        }
        let value = values[i]
        if value == .null { return nil }
        guard let decoded = T.decode(sqlValue: value) else {
            throw RowDecodingError(column: column, expected: String(describing: type), problem: .typeMismatch(found: value.storageClass))
        }
        return decoded
    }

    /// The value at position `index` as `type` (for `SELECT count(*)`-style results); throws like `decode(_:_:)`.
    public func decode<T: SQLDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        let column = "#\(index)"
        guard values.indices.contains(index) else {
            throw RowDecodingError(column: column, expected: String(describing: type), problem: .missingColumn)
        }
        let value = values[index]
        if value == .null {
            throw RowDecodingError(column: column, expected: String(describing: type), problem: .unexpectedNull)
        }
        guard let decoded = T.decode(sqlValue: value) else {
            throw RowDecodingError(column: column, expected: String(describing: type), problem: .typeMismatch(found: value.storageClass))
        }
        return decoded
    }
}
