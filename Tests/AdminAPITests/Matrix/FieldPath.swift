import Support

/// Where a value sits in a request body: `name`, `card.number`, `events[0].quantity`.
struct FieldPath: Hashable, CustomStringConvertible {
    enum Component: Hashable {
        case key(String)
        case index(Int)
    }

    let components: [Component]

    init(_ components: [Component]) { self.components = components }
    init(_ name: String) { components = [.key(name)] }

    /// The top-level parameter the path starts from.
    var top: String {
        if case .key(let k)? = components.first { return k }
        return ""
    }

    var isTopLevel: Bool { components.count == 1 }

    /// The spelling the API uses in `error.fields`.
    var description: String {
        var text = ""
        for c in components {
            switch c {
            case .key(let k): text += text.isEmpty ? k : "." + k
            case .index(let i): text += "[\(i)]"
            }
        }
        return text
    }

    func appending(_ c: Component) -> FieldPath { FieldPath(components + [c]) }

    /// Whether an `error.fields` name points at this value: the path itself, a container of it
    /// (`event_types` for `event_types[0]`), or a part of it (`card.number` for a missing `card`).
    func isNamed(by field: String) -> Bool {
        let me = description
        return field == me || me.hasPrefix(field + ".") || me.hasPrefix(field + "[") || field.hasPrefix(me + ".") || field.hasPrefix(me + "[")
    }
}

extension JSON {
    func value(at path: FieldPath) -> JSON? {
        var node: JSON? = self
        for c in path.components {
            switch (c, node) {
            case (.key(let k), .object(let o)?): node = o[k]
            case (.index(let i), .array(let a)?): node = a.indices.contains(i) ? a[i] : nil
            default: return nil
            }
        }
        return node
    }

    /// A copy with the value at `path` replaced, or removed when `newValue` is nil.
    func replacing(_ path: FieldPath, with newValue: JSON?) -> JSON {
        guard let first = path.components.first else { return newValue ?? .null }
        let rest = FieldPath(Array(path.components.dropFirst()))
        switch (first, self) {
        case (.key(let k), .object(var o)):
            if rest.components.isEmpty { o[k] = newValue } else if let child = o[k] { o[k] = child.replacing(rest, with: newValue) }
            return .object(o)
        case (.index(let i), .array(var a)) where a.indices.contains(i):
            if rest.components.isEmpty {
                if let newValue { a[i] = newValue } else { a.remove(at: i) }
            } else {
                a[i] = a[i].replacing(rest, with: newValue)
            }
            return .array(a)
        default:
            return self
        }
    }

    /// Every value of an object body with its path, parents before children. Objects named in
    /// `opaque` (free-form JSON such as `metadata`) are one value unless `intoOpaque`.
    static func fields(of body: JSONObject, opaque: Set<String>, intoOpaque: Bool) -> [(path: FieldPath, value: JSON)] {
        var out: [(FieldPath, JSON)] = []
        func walk(_ path: FieldPath, _ value: JSON) {
            out.append((path, value))
            if !intoOpaque, case .key(let k)? = path.components.last, opaque.contains(k) { return }
            switch value {
            case .object(let o): for (k, v) in o { walk(path.appending(.key(k)), v) }
            case .array(let a): for (i, v) in a.enumerated() { walk(path.appending(.index(i)), v) }
            default: break
            }
        }
        for (k, v) in body { walk(FieldPath(k), v) }
        return out
    }
}
