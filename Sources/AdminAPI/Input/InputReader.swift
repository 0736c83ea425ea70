import Billing
import Support

/// Reads declared fields from `Params`, collecting every failure, and at `finish` refuses unknown
/// names and conflicting duplicates — all in one 400 whose `fields` name each problem
/// (`events[3].quantity` for nested ones).
public struct InputReader {
    let params: Params
    let shape: [FieldSpec]
    let extraAllowed: Set<String>
    /// Prepended to every field this reader reports (`events[3].`).
    let prefix: String
    private var failures: [String: String] = [:]

    init(_ params: Params, shape: [FieldSpec], extraAllowed: Set<String> = [], prefix: String = "") {
        self.params = params
        self.shape = shape
        self.extraAllowed = extraAllowed
        self.prefix = prefix
    }

    /// Whether nothing has failed so far (for cross-field rules that need valid values).
    public var isValid: Bool { failures.isEmpty }

    /// An optional field: nil when absent or null.
    public mutating func callAsFunction<V>(_ field: Field<V>) -> V? {
        guard let name = resolve(field.spec) else { return nil }
        do {
            return try field.read(params, name)
        } catch {
            record(error, field: name)
            return nil
        }
    }

    /// A required field: its value, or (after recording why) a placeholder the reader never lets out.
    public mutating func callAsFunction<V>(_ required: RequiredField<V>) -> V {
        let field = required.field
        guard let name = resolve(field.spec) else {
            fail(field.spec.name, "is required")
            return field.placeholder
        }
        do {
            if let value = try field.read(params, name) { return value }
            fail(name, "is required")
        } catch {
            record(error, field: name)
        }
        return field.placeholder
    }

    /// A nullable field: `.none` when absent, `.some(nil)` for null (or an empty query value), else the value.
    public mutating func callAsFunction<V>(_ nullable: NullableField<V>) -> V?? {
        let field = nullable.field
        guard let name = resolve(field.spec) else { return .none }
        if params.isNull(name) || params.isEmptyQueryValue(name) { return .some(nil) }
        do {
            return .some(try field.read(params, name))
        } catch {
            record(error, field: name)
            return .none
        }
    }

    /// Whether the field was sent at all (under its name or an alias).
    public func has(_ spec: FieldSpec) -> Bool { params.has(spec.name) || spec.aliases.contains(where: params.has) }

    /// Records a rule between fields (`to` must be after `from`) or a domain limit the field types cannot say.
    public mutating func fail(_ field: String, _ reason: String) {
        let key = prefix + field
        if failures[key] == nil { failures[key] = reason }
    }

    /// Throws every collected failure, unknown parameter and conflict as one 400.
    public mutating func finish() throws {
        var declared = extraAllowed
        for spec in shape {
            declared.insert(spec.name)
            for alias in spec.aliases { declared.insert(alias) }
        }
        // A parameter with an empty name (`?=1`) is still named, so that every failure names a field.
        let shown = { (name: String) in name.isEmpty ? "(unnamed)" : name }
        for name in params.names where !declared.contains(name) { fail(shown(name), "unknown parameter") }
        for name in params.conflicts { fail(shown(name), "was given twice with different values (in the query and the body)") }
        if !failures.isEmpty { throw APIError.invalid(failures) }
    }

    /// The name the field was sent under: its own, else an alias; nil when absent. Both at once is refused.
    private mutating func resolve(_ spec: FieldSpec) -> String? {
        assert(shape.contains { $0.name == spec.name }, "field \(spec.name) is read but not declared in the input's fields")
        let alias = spec.aliases.first(where: params.has)
        if params.has(spec.name) {
            if let alias { fail(alias, "is the old name of \(spec.name); send only \(spec.name)") }
            return spec.name
        }
        return alias
    }

    private mutating func record(_ error: any Error, field: String) {
        switch error {
        case let e as APIError where !e.fields.isEmpty:
            for (k, v) in e.fields { fail(k, v) }
        case let e as BillingError:
            let mapped = APIError.from(billing: e)
            if mapped.fields.isEmpty { fail(field, mapped.message) } else { for (k, v) in mapped.fields { fail(k, v) } }
        default:
            fail(field, "is invalid")
        }
    }
}
