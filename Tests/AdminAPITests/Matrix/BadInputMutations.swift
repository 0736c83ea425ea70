import Support

/// One spoiled variant of an example: which value it spoils, whether any action must refuse it,
/// and how to build it from the example's current parameters.
struct BadInputMutation {
    let label: String
    let field: FieldPath
    let mustRefuse: Bool
    let build: (JSONObject) -> MatrixRequest
}

/// The bad requests derived from a valid example: each field missing, null, of the wrong JSON type;
/// numbers out of range (-1, 2^63, 1e400, "NaN"); strings that are no enum value, hold a NUL, are
/// 64 KB long, or carry invalid UTF-8. POST actions get them in the JSON body; GET actions in the
/// query string (as text) and, for JSON types, in a JSON body.
enum BadInputMutations {
    /// A JSON string (quotes included) of `count` characters, spliced in raw: serializing a megabyte
    /// through `JSON` in a debug build would cost more than the request.
    static func longString(_ count: Int) -> [UInt8] { [0x22] + [UInt8](repeating: 0x78, count: count) + [0x22] }
    /// Longer than any string parameter may be (the longest allowed, a notification message, is 5,000);
    /// `BadInputMatrixTests` sends a full megabyte once per action.
    static let tooLongString = longString(64 * 1024)
    static let invalidUTF8: [UInt8] = Array("\"a".utf8) + [0xFF, 0xFE, 0xC3] + Array("b\"".utf8)

    static func all(for example: ActionExample, params: JSONObject, isPost: Bool, key: String?) -> [BadInputMutation] {
        let action = example.action
        var out: [BadInputMutation] = []
        func body(_ label: String, _ path: FieldPath, mustRefuse: Bool, _ value: JSON?, raw: [UInt8] = []) {
            out.append(BadInputMutation(label: "\(action) \(path) \(label)", field: path, mustRefuse: mustRefuse) { p in
                let spoiled = JSON.object(p).replacing(path, with: value).objectValue ?? p
                return MatrixRequest.json(isPost ? "POST" : "GET", action, key: key, spoiled, raw: raw)
            })
        }
        func query(_ label: String, _ path: FieldPath, mustRefuse: Bool, raw: String?) {
            out.append(BadInputMutation(label: "\(action) ?\(path) \(label)", field: path, mustRefuse: mustRefuse) { p in
                var rest = p
                if raw == nil { rest[path.top] = nil }
                return MatrixRequest.query(action, key: key, rest, rawValues: raw.map { [path.top: $0] } ?? [:])
            })
        }
        for (path, value) in JSON.fields(of: params, opaque: ActionExamples.freeFormObjects, intoOpaque: false) {
            let isMember = if case .key? = path.components.last { true } else { false }
            if isPost || path.isTopLevel {
                if isMember {
                    if isPost { body("missing", path, mustRefuse: false, nil) } else { query("missing", path, mustRefuse: false, raw: nil) }
                }
                body("null", path, mustRefuse: false, .null)
                for wrong in wrongTypes(for: value) { body("as \(wrong.typeName)", path, mustRefuse: true, wrong) }
            }
            switch value {
            case .int:
                if isPost {
                    body("= -1", path, mustRefuse: true, .int(-1))
                    body("= 2^63", path, mustRefuse: true, MatrixRequest.rawSlot, raw: Array("9223372036854775808".utf8))
                    body("= 1e400", path, mustRefuse: true, MatrixRequest.rawSlot, raw: Array("1e400".utf8))
                    body("= \"NaN\"", path, mustRefuse: true, .string("NaN"))
                } else {
                    for text in ["-1", "9223372036854775808", "1e400", "NaN"] { query("= \(text)", path, mustRefuse: true, raw: text) }
                }
            case .bool where !isPost:
                query("= maybe", path, mustRefuse: true, raw: "maybe")
            case .string:
                if isPost {
                    body("not an enum value", path, mustRefuse: false, .string("not-a-valid-choice"))
                    body("with NUL", path, mustRefuse: true, .string("a\u{0}b"))
                    body("64 KB", path, mustRefuse: true, MatrixRequest.rawSlot, raw: tooLongString)
                    body("invalid UTF-8", path, mustRefuse: true, MatrixRequest.rawSlot, raw: invalidUTF8)
                } else {
                    query("not an enum value", path, mustRefuse: false, raw: "not-a-valid-choice")
                    query("with NUL", path, mustRefuse: true, raw: "a%00b")
                    query("invalid UTF-8", path, mustRefuse: true, raw: "a%FF%FE%C3b")
                }
            default:
                break
            }
        }
        return out
    }

    /// Values of other JSON types than `value`'s.
    static func wrongTypes(for value: JSON) -> [JSON] {
        switch value {
        case .string(let s): [.int(7), .array([.string(s)])]
        case .int(let i): [.string(String(i)), .double(1.5), .bool(true)]
        case .double: [.string("1.5")]
        case .bool(let b): [.string(String(b)), .int(1)]
        case .object: [.string("{}"), .array([])]
        case .array: [.object([:]), .string("[]")]
        case .null: []
        }
    }
}
