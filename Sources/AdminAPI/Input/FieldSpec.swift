import Support

/// What one declared parameter accepts: the description the strict check, the error messages and the
/// OpenAPI document are all made from.
public struct FieldSpec: Sendable {
    public let name: String
    public var type: FieldType
    public var required = false
    /// Whether JSON `null` is a meaningful value (clears the field) rather than "not given".
    public var nullable = false
    public var description: String
    public var example: JSON?
    /// Old names accepted for one release (CHANGELOG.md), documented as deprecated.
    public var aliases: [String] = []
    /// Whether the field may only come in a JSON body (arrays, objects with a shape).
    public var bodyOnly: Bool { type.needsBody }

    public init(_ name: String, _ type: FieldType, _ description: String) {
        self.name = name
        self.type = type
        self.description = description
    }
}

/// The JSON Schema shape of a parameter.
public indirect enum FieldType: Sendable {
    /// Text; `format` is a JSON Schema format (`uuid`, `date`, `date-time`, `email`, `uri`).
    case string(minLength: Int, maxLength: Int, format: String?, pattern: String?)
    case integer(ClosedRange<Int64>)
    case boolean
    /// One of these strings.
    case enumeration([String])
    /// Either a `YYYY-MM-DD` date or an RFC 3339 timestamp.
    case dateOrTimestamp
    /// A JSON object: free-form (`nil`), or with exactly these members.
    case object([FieldSpec]?)
    /// A JSON array of `element`.
    case array(FieldType, count: ClosedRange<Int>)
    /// Any JSON value.
    case any

    var needsBody: Bool {
        switch self {
        case .array: true
        case .object(let shape?): !shape.isEmpty
        default: false
        }
    }
}
