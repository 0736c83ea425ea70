import Support

extension FieldType {
    /// The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of values of this type.
    var jsonSchema: JSONObject {
        switch self {
        case .string(let minLength, let maxLength, let format, let pattern):
            var s: JSONObject = ["type": "string"]
            if minLength > 0 { s["minLength"] = .int(Int64(minLength)) }
            s["maxLength"] = .int(Int64(maxLength))
            if let format { s["format"] = .string(format) }
            if let pattern { s["pattern"] = .string(pattern) }
            return s
        case .integer(let range):
            var s: JSONObject = ["type": "integer"]
            if range.lowerBound != Int64.min { s["minimum"] = .int(range.lowerBound) }
            if range.upperBound != Int64.max { s["maximum"] = .int(range.upperBound) }
            return s
        case .boolean:
            return ["type": "boolean"]
        case .enumeration(let values):
            return ["type": "string", "enum": .array(values.map { .string($0) })]
        case .dateOrTimestamp:
            return ["type": "string", "maxLength": 40,
                    "anyOf": [["format": "date"], ["format": "date-time"]]]
        case .object(nil):
            return ["type": "object"]
        case .object(let fields?):
            return FieldSpec.objectSchema(fields)
        case .array(let element, let count):
            var s: JSONObject = ["type": "array", "items": .object(element.jsonSchema)]
            if count.lowerBound > 0 { s["minItems"] = .int(Int64(count.lowerBound)) }
            if count.upperBound != Int.max { s["maxItems"] = .int(Int64(count.upperBound)) }
            return s
        case .any:
            return [:]
        }
    }
}

extension FieldSpec {
    /// This field's schema with its description, example and nullability.
    var jsonSchema: JSONObject {
        var s = type.jsonSchema
        if nullable {
            if case .string(let t)? = s["type"] { s["type"] = [.string(t), "null"] }
            if case .array(let values)? = s["enum"] { s["enum"] = .array(values + [.null]) }
        }
        s["description"] = .string(description)
        if let example { s["examples"] = [example] }
        return s
    }

    /// An object with exactly `fields` (aliases as deprecated members), refusing any other member.
    static func objectSchema(_ fields: [FieldSpec], extra: [FieldSpec] = []) -> JSONObject {
        var properties = JSONObject()
        var required: [JSON] = []
        for field in fields + extra {
            properties[field.name] = .object(field.jsonSchema)
            if field.required { required.append(.string(field.name)) }
            for alias in field.aliases {
                var schema = field.jsonSchema
                schema["description"] = .string("Deprecated: the old name of \(field.name).")
                schema["deprecated"] = true
                schema["examples"] = nil
                properties[alias] = .object(schema)
            }
        }
        var s: JSONObject = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { s["required"] = .array(required) }
        return s
    }
}
