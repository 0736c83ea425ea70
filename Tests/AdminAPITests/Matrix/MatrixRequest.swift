import Foundation
import Support

/// One request of the matrix, byte for byte: the parameters travel as a JSON body (POST, or a GET
/// carrying typed values) or as a query string (GET), and may hold raw bytes no `JSON` value can
/// express (an integer literal of 2^63, `1e400`, invalid UTF-8).
struct MatrixRequest {
    var method: String
    var action: String
    var key: String?
    /// Already percent-encoded `name=value` items after `action=`.
    var query: [String] = []
    var body: [UInt8]?

    /// A JSON string value the body encoder swaps for `rawSlotBytes` after serializing.
    static let rawSlot = JSON.string("MATRIX_RAW_SLOT_7f3a9c")

    /// `params` as a JSON body; every `rawSlot` string becomes `raw` verbatim (quotes included).
    static func json(_ method: String, _ action: String, key: String?, _ params: JSONObject, raw: [UInt8] = []) -> MatrixRequest {
        var bytes = JSON.object(params).serialized()
        let slot = rawSlot.serialized()
        while let range = bytes.firstRange(of: slot) { bytes.replaceSubrange(range, with: raw) }
        return MatrixRequest(method: method, action: action, key: key, body: bytes)
    }

    /// `params` as a query string (numbers and booleans as text, objects as JSON text); values in
    /// `rawValues` are sent exactly as given (already percent-encoded).
    static func query(_ action: String, key: String?, _ params: JSONObject, rawValues: [String: String] = [:]) -> MatrixRequest {
        var items: [String] = []
        for (name, value) in params {
            let text: String
            switch value {
            case .string(let s): text = percentEncode(s)
            case .null: text = ""
            default: text = percentEncode(value.serializedString())
            }
            items.append("\(percentEncode(name))=\(rawValues[name] ?? text)")
        }
        return MatrixRequest(method: "GET", action: action, key: key, query: items)
    }

    static func percentEncode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }

    func send(_ client: TestClient) throws -> TestResponse {
        var headers: [(String, String)] = []
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let target = (["/admin-api?action=\(action)"] + query).joined(separator: "&")
        return try client.request(method, target, headers: headers, body: body)
    }

    /// A short description for failure messages.
    var summary: String {
        let bodyText = body.map { String(decoding: $0.prefix(160), as: UTF8.self) } ?? ""
        return "\(method) \(action) \(query.joined(separator: "&").prefix(160)) \(bodyText)"
    }
}
