import Foundation
import Support

/// A declared, typed parameter: its spec and how to read it from `Params`.
///
/// Fields are `static let`s of the input that declares them, and are read in its `init` through the
/// `InputReader` (`r(Self.limit)`). Reading an absent field gives nil; `.required()` makes it a
/// `RequiredField`, `.nullable()` a `NullableField` (absent vs null vs a value).
public struct Field<Value: Sendable>: Sendable {
    public var spec: FieldSpec
    /// The value read under `name` (the declared name or an alias), or nil when absent or null.
    let read: @Sendable (Params, String) throws -> Value?
    /// What a required field reads as when it failed: never used, since the reader then throws.
    let placeholder: Value

    public init(_ spec: FieldSpec, placeholder: Value, read: @escaping @Sendable (Params, String) throws -> Value?) {
        self.spec = spec
        self.placeholder = placeholder
        self.read = read
    }

    /// The field must be given (and not null).
    public func required() -> RequiredField<Value> {
        var field = self
        field.spec.required = true
        return RequiredField(field: field)
    }

    /// JSON `null` (or an empty query value) clears the stored value.
    public func nullable() -> NullableField<Value> {
        var field = self
        field.spec.nullable = true
        return NullableField(field: field)
    }

    /// An old name accepted for one release (listed in CHANGELOG.md).
    public func alias(_ old: String) -> Field {
        var field = self
        field.spec.aliases.append(old)
        return field
    }

    /// An example value for the OpenAPI document.
    public func example(_ value: JSON) -> Field {
        var field = self
        field.spec.example = value
        return field
    }
}

/// A field that must be given; reads as its value.
public struct RequiredField<Value: Sendable>: Sendable {
    public let field: Field<Value>
    public var spec: FieldSpec { field.spec }

    public func example(_ value: JSON) -> RequiredField { RequiredField(field: field.example(value)) }
}

/// A field where absent (keep), null (clear) and a value (set) differ; reads as `Value??`.
public struct NullableField<Value: Sendable>: Sendable {
    public let field: Field<Value>
    public var spec: FieldSpec { field.spec }
}

// MARK: - Constructors, one per kind of value (the wording of their errors is Params')

extension Field where Value == String {
    /// Text without control characters; empty or blank text is refused unless `allowEmpty`.
    public static func string(_ name: String, _ description: String, maxLength: Int = 1000, allowEmpty: Bool = false,
                              format: String? = nil, pattern: String? = nil) -> Field {
        let spec = FieldSpec(name, .string(minLength: allowEmpty ? 0 : 1, maxLength: maxLength, format: format, pattern: pattern), description)
        return Field(spec, placeholder: "") { p, n in try p.string(n, maxLength: maxLength, allowEmpty: allowEmpty) }
    }

    /// An object id (a UUID, lowercased).
    public static func id(_ name: String, _ description: String) -> Field {
        Field(FieldSpec(name, .string(minLength: 36, maxLength: 36, format: "uuid", pattern: nil), description), placeholder: "") { p, n in
            try p.id(n)
        }
    }
}

extension Field where Value == Int64 {
    /// A whole number within `range` (a fraction, a JSON string or an overflow is refused).
    public static func int(_ name: String, _ description: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) -> Field {
        Field(FieldSpec(name, .integer(range), description), placeholder: range.lowerBound) { p, n in try p.int(n, in: range) }
    }
}

extension Field where Value == Bool {
    /// `true`/`false` (in the query also `1`/`0`).
    public static func bool(_ name: String, _ description: String) -> Field {
        Field(FieldSpec(name, .boolean, description), placeholder: false) { p, n in try p.bool(n) }
    }
}

extension Field where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the raw values of `Value` — the one helper for every enumerated parameter.
    public static func enumeration(_ name: String, _ type: Value.Type, _ description: String) -> Field {
        Field(FieldSpec(name, .enumeration(Value.allCases.map(\.rawValue)), description), placeholder: Value.allCases.first!) { p, n in
            try p.enumeration(n, Value.self)
        }
    }
}

extension Field where Value == Date {
    /// A `YYYY-MM-DD` date or an RFC 3339 timestamp; with `endOfDay` a bare date means the next midnight.
    public static func date(_ name: String, _ description: String, endOfDay: Bool = false) -> Field {
        Field(FieldSpec(name, .dateOrTimestamp, description), placeholder: Date(timeIntervalSince1970: 0)) { p, n in
            try p.date(n, endOfDay: endOfDay)
        }
    }

    /// An RFC 3339 timestamp only.
    public static func timestamp(_ name: String, _ description: String) -> Field {
        Field(FieldSpec(name, .string(minLength: 1, maxLength: 40, format: "date-time", pattern: nil), description),
              placeholder: Date(timeIntervalSince1970: 0)) { p, n in try p.timestamp(n) }
    }

    /// A calendar day, `YYYY-MM-DD` only (a due date is a day, not an instant).
    public static func day(_ name: String, _ description: String) -> Field {
        Field(FieldSpec(name, .string(minLength: 10, maxLength: 10, format: "date", pattern: nil), description),
              placeholder: Date(timeIntervalSince1970: 0)) { p, n in
            guard let text = try p.string(n, maxLength: 40) else { return nil }
            guard let day = RFC3339.parseDate(text) else { throw APIError.validation(n, "must be a date in the form YYYY-MM-DD") }
            return day
        }
    }
}

extension Field where Value == JSONObject {
    /// A free-form JSON object (`metadata`, `settings`): any members.
    public static func object(_ name: String, _ description: String) -> Field {
        Field(FieldSpec(name, .object(nil), description), placeholder: [:]) { p, n in try p.object(n) }
    }
}

extension Field where Value == JSON {
    /// Any JSON value, checked by the caller.
    public static func json(_ name: String, _ description: String, type: FieldType = .any) -> Field {
        Field(FieldSpec(name, type, description), placeholder: .null) { p, n in
            if p.isNull(n) { return nil }
            return p.json(n)
        }
    }
}

extension Field where Value == [String] {
    /// A JSON array of strings, each at most `maxLength` characters.
    public static func strings(_ name: String, _ description: String, count: ClosedRange<Int>, maxLength: Int = 200) -> Field {
        let element = FieldType.string(minLength: 1, maxLength: maxLength, format: nil, pattern: nil)
        return Field(FieldSpec(name, .array(element, count: count), description), placeholder: []) { p, n in
            guard let array = try p.array(n) else { return nil }
            guard count.contains(array.count) else { throw APIError.validation(n, "must hold \(count.lowerBound) to \(count.upperBound) items") }
            var failures: [String: String] = [:]
            var out: [String] = []
            for (i, element) in array.enumerated() {
                guard case .string(let s) = element else { failures["\(n)[\(i)]"] = "must be a string, got \(element.typeName)"; continue }
                do {
                    out.append(try Params(nested: ["v": .string(s)]).requiredString("v", maxLength: maxLength))
                } catch let e as APIError {
                    failures["\(n)[\(i)]"] = e.fields["v"] ?? e.message
                }
            }
            if !failures.isEmpty { throw APIError.invalid(failures) }
            return out
        }
    }
}

extension InputShape {
    /// A field holding a JSON array of `Self` objects; each element's unknown members and invalid fields are
    /// reported as `name[i].field`. The count is checked before any element is read.
    public static func array(_ name: String, count: ClosedRange<Int>, _ description: String) -> Field<[Self]> {
        Field<[Self]>(FieldSpec(name, .array(.object(fields), count: count), description), placeholder: []) { p, n in
            guard let array = try p.array(n) else { return nil }
            guard count.contains(array.count) else { throw APIError.validation(n, "must hold \(count.lowerBound) to \(count.upperBound) items") }
            var failures: [String: String] = [:]
            var out: [Self] = []
            out.reserveCapacity(array.count)
            for (i, element) in array.enumerated() {
                do {
                    out.append(try Self.read(element, path: "\(n)[\(i)]"))
                } catch let e as APIError {
                    for (k, v) in e.fields { failures[k] = v }
                }
            }
            if !failures.isEmpty { throw APIError.invalid(failures) }
            return out
        }
    }

    /// Reads one nested element; errors name `path.field`.
    static func read(_ element: JSON, path: String) throws -> Self {
        guard case .object(let object) = element else { throw APIError.validation(path, "must be an object, got \(element.typeName)") }
        var reader = InputReader(Params(nested: object), shape: fields, prefix: path + ".")
        let value = try Self(&reader)
        try reader.finish()
        return value
    }
}

extension InputShape {
    /// A field holding one JSON object of `Self` (in a JSON body: a query value is text, not an object); its
    /// unknown members and invalid fields are reported as `name.field`. `Self`'s init must not throw on an empty
    /// object: the placeholder of a required field is read from one (every required member fails there).
    public static func object(_ name: String, _ description: String) -> Field<Self> {
        var empty = InputReader(Params(nested: [:]), shape: fields)
        let placeholder = try! Self(&empty)
        return Field<Self>(FieldSpec(name, .object(fields), description), placeholder: placeholder) { p, n in
            guard let value = p.json(n), value != .null else { return nil }
            if case .string = value { throw APIError.validation(n, "must be an object in a JSON body, got a string") }
            return try Self.read(value, path: n)
        }
    }
}
