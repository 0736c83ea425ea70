/// Why a request could not be accepted, each mapping to one status and one stable error code.
public enum HTTPParseError: Error, Hashable, Sendable {
    /// Request line longer than the limit (414).
    case uriTooLong
    /// Header section too large or too many fields (431).
    case headerFieldsTooLarge
    /// Declared or received body larger than the limit (413).
    case payloadTooLarge
    /// Malformed or ambiguous framing (400); the reason is for logs and the error body.
    case badRequest(String)

    public var status: HTTPStatus {
        switch self {
        case .uriTooLong: .uriTooLong
        case .headerFieldsTooLarge: .requestHeaderFieldsTooLarge
        case .payloadTooLarge: .payloadTooLarge
        case .badRequest: .badRequest
        }
    }

    /// The `code` field of the JSON error body.
    public var code: String {
        switch self {
        case .uriTooLong: "uri_too_long"
        case .headerFieldsTooLarge: "header_fields_too_large"
        case .payloadTooLarge: "payload_too_large"
        case .badRequest: "bad_request"
        }
    }

    public var message: String {
        switch self {
        case .uriTooLong: "request line too long"
        case .headerFieldsTooLarge: "request header fields too large"
        case .payloadTooLarge: "request body too large"
        case .badRequest(let reason): reason
        }
    }
}
