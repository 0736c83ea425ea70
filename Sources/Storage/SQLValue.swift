/// One SQLite value: the five storage classes of https://sqlite.org/datatype3.html.
///
/// Bound as a `?` parameter, never spliced into SQL text, so values cannot inject SQL.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue {
    public init(_ v: Int) { self = .integer(Int64(v)) }
    public init(_ v: Int64) { self = .integer(v) }
    public init(_ v: Double) { self = .real(v) }
    /// Booleans are stored as 0 / 1, SQLite's convention.
    public init(_ v: Bool) { self = .integer(v ? 1 : 0) }
    public init(_ v: String?) { self = v.map(SQLValue.text) ?? .null }
    public init(_ v: [UInt8]?) { self = v.map(SQLValue.blob) ?? .null }

    /// True for `.null`.
    public var isNull: Bool { self == .null }

    /// The integer, or a real that is exactly an integer; nil otherwise.
    public var int64Value: Int64? {
        switch self {
        case .integer(let v): return v
        case .real(let d): return Int64(exactly: d)
        default: return nil
        }
    }

    /// The real, or an integer widened to Double; nil otherwise.
    public var doubleValue: Double? {
        switch self {
        case .real(let d): return d
        case .integer(let v): return Double(v)
        default: return nil
        }
    }

    /// The text; nil for any other storage class.
    public var stringValue: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// The blob bytes; nil for any other storage class.
    public var blobValue: [UInt8]? {
        if case .blob(let b) = self { return b }
        return nil
    }

    /// Integer 0 is false, any other integer true; nil for other storage classes.
    public var boolValue: Bool? { int64Value.map { $0 != 0 } }
}

extension SQLValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral
{
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

extension SQLValue: CustomStringConvertible {
    /// A short rendering for debugging; blobs and text are not escaped for SQL.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .real(let d): return String(d)
        case .text(let s): return "'\(s)'"
        case .blob(let b): return "<\(b.count) bytes>"
        }
    }
}
