import HTTP
import Storage
import Support

/// `GET /health`: liveness plus a trivial database query; 503 when the database is unusable.
public struct HealthResponder: HTTPResponder {
    let database: Database
    let version: String

    public init(database: Database, version: String) {
        self.database = database
        self.version = version
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            return APIError(.methodNotAllowed, code: "method_not_allowed", message: "/health accepts GET", headers: [("Allow", "GET, HEAD")]).response
        }
        let databaseOK = (try? database.read { try $0.scalar("SELECT 1") }) == .integer(1)
        let body: JSON = ["data": ["status": databaseOK ? "ok" : "degraded", "database": databaseOK ? "ok" : "unavailable", "version": .string(version)]]
        return HTTPResponse(status: databaseOK ? .ok : .serviceUnavailable,
                            headers: HTTPHeaders([("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]),
                            body: .bytes(body.serialized()))
    }
}
