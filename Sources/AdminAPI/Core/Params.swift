import Foundation
import Support

/// The parameters of one call: query items plus the members of a JSON body object.
///
/// Every accessor validates type and range and throws a 400 that names the field, so a
/// handler never sees a value of the wrong shape. Query values are text and are parsed;
/// body values must already have the right JSON type (`"5"` is not an integer there).
public struct Params: Sendable {
    enum Value: Sendable {
        case query(String)
        case body(JSON)
    }

    private var values: [String: Value] = [:]
    /// Names given twice with different values (query and body, or twice in the query), sorted.
    public private(set) var conflicts: [String] = []

    /// `action` (the router's own parameter) is left out wherever it appears.
    public init(query: [(name: String, value: String)], body: JSONObject?) {
        var conflicting = Set<String>()
        for item in query where item.name != "action" {
            if case .query(let first)? = values[item.name] {
                if first != item.value { conflicting.insert(item.name) }
            } else {
                values[item.name] = .query(item.value)
            }
        }
        if let body {
            for (k, v) in body where k != "action" {
                if case .query(let text)? = values[k], !Self.same(text, v) { conflicting.insert(k) }
                values[k] = .body(v)
            }
        }
        conflicts = conflicting.sorted()
    }

    /// Every parameter name given (query and body), sorted.
    public var names: [String] { values.keys.sorted() }

    /// Whether a query text and a body value say the same (`?limit=5` and `{"limit": 5}`).
    static func same(_ text: String, _ json: JSON) -> Bool {
        switch json {
        case .string(let s): return s == text
        case .int(let v): return Int64(text) == v
        case .bool(let b): return text.lowercased() == (b ? "true" : "false")
        case .null: return text.isEmpty
        default: return false
        }
    }

    /// The members of a nested object with a declared shape (an event of a batch, a line item).
    init(nested object: JSONObject) {
        for (k, v) in object { values[k] = .body(v) }
    }

    /// Whether the field was sent at all (even as null).
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// Whether the field came in the query with an empty value (`?notes=`).
    public func isEmptyQueryValue(_ name: String) -> Bool {
        if case .query(let s)? = values[name] { return s.isEmpty }
        return false
    }

    /// Whether the field was sent as JSON null.
    public func isNull(_ name: String) -> Bool {
        if case .body(.null) = values[name] { return true }
        return false
    }

    // MARK: - Strings

    /// A string (nil when absent or null); refuses NUL and other control bytes and over-long values.
    public func string(_ name: String, maxLength: Int = 1000, allowEmpty: Bool = false) throws -> String? {
        let raw: String
        switch values[name] {
        case nil, .body(.null)?: return nil
        case .query(let s)?: raw = s
        case .body(.string(let s))?: raw = s
        case .body(let other)?: throw APIError.validation(name, "must be a string, got \(other.typeName)")
        }
        if Self.containsControlCharacters(raw) { throw APIError.validation(name, "must not contain control characters") }
        // A string has at most as many characters as bytes: count characters only when it could matter.
        if raw.utf8.count > maxLength, raw.count > maxLength {
            throw APIError.validation(name, "must be at most \(maxLength) characters")
        }
        if !allowEmpty, Self.isBlank(raw) { throw APIError.validation(name, "must not be empty") }
        return raw
    }

    /// Whether `text` is empty or only spaces and tabs (`CharacterSet.whitespaces`: tab and Unicode
    /// space separators). Stops at the first other scalar — Foundation's trimming built an NSString and
    /// cost 11 % of a 1,000-event batch.
    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// Whether `text` holds a control character other than tab, CR and LF (NUL included).
    public static func containsControlCharacters(_ text: String) -> Bool {
        // Control characters are single bytes in UTF-8 (no multi-byte sequence contains a byte < 0x80),
        // so scanning bytes finds them all.
        text.utf8.contains(where: { ($0 < 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09) || $0 == 0x7F })
    }

    public func requiredString(_ name: String, maxLength: Int = 1000) throws -> String {
        guard let s = try string(name, maxLength: maxLength) else { throw APIError.validation(name, "is required") }
        return s
    }

    /// `.none` when absent, `.some(nil)` when sent as null, else the string.
    public func nullableString(_ name: String, maxLength: Int = 1000) throws -> String?? {
        guard has(name) else { return .none }
        if isNull(name) { return .some(nil) }
        if case .query(let s)? = values[name], s.isEmpty { return .some(nil) }
        return .some(try string(name, maxLength: maxLength))
    }

    /// An id: a UUID string.
    public func id(_ name: String) throws -> String? {
        guard let s = try string(name, maxLength: 64) else { return nil }
        guard UUIDv7.isValid(s) else { throw APIError.validation(name, "must be a UUID") }
        return s.lowercased()
    }

    public func requiredID(_ name: String) throws -> String {
        guard let s = try id(name) else { throw APIError.validation(name, "is required") }
        return s
    }

    // MARK: - Numbers and booleans

    /// An integer within `range` (nil when absent or null). Fractions, strings in a JSON body, NaN and overflow are refused.
    public func int(_ name: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws -> Int64? {
        let value: Int64
        switch values[name] {
        case nil, .body(.null)?: return nil
        case .query(let s)?:
            guard let v = Int64(s.trimmingCharacters(in: .whitespaces)) else { throw APIError.validation(name, "must be an integer") }
            value = v
        case .body(.int(let v))?: value = v
        case .body(.double)?: throw APIError.validation(name, "must be an integer, not a fraction or out-of-range number")
        case .body(let other)?: throw APIError.validation(name, "must be an integer, got \(other.typeName)")
        }
        guard range.contains(value) else {
            if range.upperBound == Int64.max { throw APIError.validation(name, "must be at least \(range.lowerBound)") }
            throw APIError.validation(name, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    public func requiredInt(_ name: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws -> Int64 {
        guard let v = try int(name, in: range) else { throw APIError.validation(name, "is required") }
        return v
    }

    /// A boolean; in the query `true/false/1/0`.
    public func bool(_ name: String) throws -> Bool? {
        switch values[name] {
        case nil, .body(.null)?: return nil
        case .query(let s)?:
            switch s.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no", "": return false
            default: throw APIError.validation(name, "must be true or false")
            }
        case .body(.bool(let b))?: return b
        case .body(let other)?: throw APIError.validation(name, "must be a boolean, got \(other.typeName)")
        }
    }

    /// `limit` and `offset` for list actions.
    public func page(defaultLimit: Int64 = 100, maxLimit: Int64 = 500) throws -> (limit: Int, offset: Int) {
        let limit = try int("limit", in: 1...maxLimit) ?? defaultLimit
        let offset = try int("offset", in: 0...Int64(Int32.max)) ?? 0
        return (Int(limit), Int(offset))
    }

    // MARK: - Enums, dates, structures

    /// One of the raw values of `E`.
    public func enumeration<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws -> E? where E.RawValue == String {
        guard let s = try string(name, maxLength: 100) else { return nil }
        guard let v = E(rawValue: s) else {
            throw APIError.validation(name, "must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    /// An RFC 3339 timestamp or a `YYYY-MM-DD` date. With `endOfDay`, a bare date means the end of that
    /// day (exclusive bound: the next midnight), so a date-only `end_date` includes the whole day.
    public func date(_ name: String, endOfDay: Bool = false) throws -> Date? {
        guard let s = try string(name, maxLength: 40) else { return nil }
        if let d = RFC3339.parseDate(s) { return endOfDay ? d.addingTimeInterval(86400) : d }
        if let d = RFC3339.parse(s) { return d }
        throw APIError.validation(name, "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp")
    }

    /// An RFC 3339 timestamp only.
    public func timestamp(_ name: String) throws -> Date? {
        guard let s = try string(name, maxLength: 40) else { return nil }
        guard let d = RFC3339.parse(s) else { throw APIError.validation(name, "must be an RFC 3339 timestamp") }
        return d
    }

    /// A JSON object (a JSON text in the query is accepted too).
    public func object(_ name: String) throws -> JSONObject? {
        switch values[name] {
        case nil, .body(.null)?: return nil
        case .body(.object(let o))?: return o
        case .query(let s)?:
            guard let o = (try? JSON.parse(s))?.objectValue else { throw APIError.validation(name, "must be a JSON object") }
            return o
        case .body(let other)?: throw APIError.validation(name, "must be an object, got \(other.typeName)")
        }
    }

    /// A JSON array.
    public func array(_ name: String) throws -> [JSON]? {
        switch values[name] {
        case nil, .body(.null)?: return nil
        case .body(.array(let a))?: return a
        case .query: throw APIError.validation(name, "must be sent in a JSON body as an array")
        case .body(let other)?: throw APIError.validation(name, "must be an array, got \(other.typeName)")
        }
    }

    /// The raw JSON of a body field.
    public func json(_ name: String) -> JSON? {
        switch values[name] {
        case .body(let j)?: return j
        case .query(let s)?: return .string(s)
        case nil: return nil
        }
    }
}
