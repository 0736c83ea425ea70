import HTTP
import Support

/// `GET /admin-api/openapi.json`: the generated document, readable without credentials.
struct OpenAPIResponder: HTTPResponder {
    let body: [UInt8]

    init(table: ActionTable, version: String) {
        body = OpenAPIDocument.make(table, version: version).serialized()
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            return APIError(.methodNotAllowed, code: "method_not_allowed", message: "openapi.json accepts GET", headers: [("Allow", "GET, HEAD")]).response
        }
        let headers = HTTPHeaders([("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-cache"),
                                   ("Access-Control-Allow-Origin", "*")])
        return HTTPResponse(status: .ok, headers: headers, body: .bytes(body))
    }
}
