import Billing
import HTTP
import Storage
import Support

/// An error as the API shows it: status, machine code, human message, offending fields.
///
/// This file is the one place where failures become HTTP (STYLE practice 10).
public struct APIError: Error, Sendable {
    public var status: HTTPStatus
    public var code: String
    public var message: String
    public var fields: [String: String] = [:]
    public var headers: [(String, String)] = []
    /// Extra members of the error object (e.g. the quota facts of a `quota_exceeded`).
    public var details: JSONObject?

    public init(_ status: HTTPStatus, code: String, message: String, fields: [String: String] = [:], headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers
    }

    /// A 400 `validation_failed` naming `field`.
    public static func validation(_ field: String, _ reason: String) -> APIError {
        APIError(.badRequest, code: "validation_failed", message: "\(field) \(reason)", fields: [field: reason])
    }

    /// One 400 for every invalid field: `unknown_parameter` when each is an unknown name, else `validation_failed`.
    public static func invalid(_ fields: [String: String]) -> APIError {
        let names = fields.keys.sorted()
        let code = fields.values.allSatisfy { $0 == "unknown parameter" } ? "unknown_parameter" : "validation_failed"
        let message: String
        if names.count == 1 {
            message = "\(names[0]) \(fields[names[0]]!)"
        } else {
            let listed = names.prefix(10).map { "\($0) \(fields[$0]!)" }.joined(separator: "; ")
            message = "\(names.count) parameters are invalid: \(listed)\(names.count > 10 ? "; …" : "")"
        }
        return APIError(.badRequest, code: code, message: message, fields: fields)
    }

    /// Maps any thrown error to what the client sees; unknown errors become a bare 500
    /// (the caller logs the detail with the request id — internals never reach the body).
    /// A `RowDecodingError` (a stored row its decoder cannot read) is such a server fault: 500 `internal_error`,
    /// never a made-up value.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as BillingError:
            return from(billing: e)
        case let e as GatewayError:
            return from(gateway: e)
        case let e as DatabaseError where e.isUnavailable:
            // PostgreSQL unreachable (restart, failover): the connections reconnect on their own.
            return APIError(.serviceUnavailable, code: "database_unavailable", message: "the database is unavailable; retry shortly",
                            headers: [("Retry-After", "2")])
        case let e as DatabaseError where e.isBusy:
            return APIError(.serviceUnavailable, code: "database_busy", message: "the database is busy; retry shortly", headers: [("Retry-After", "1")])
        case let e as DatabaseError where e.isForeignKeyViolation:
            // Handlers check what a request names before writing; a foreign key can only fail when that row
            // (usually the tenant) was deleted by a concurrent request between the check and the write.
            return APIError(.notFound, code: "not_found", message: "a record this request refers to (such as its tenant) no longer exists")
        case is RowDecodingError:
            return internalError
        default:
            return internalError
        }
    }

    static let internalError = APIError(.internalServerError, code: "internal_error", message: "an internal error occurred; it has been logged")

    static func from(billing e: BillingError) -> APIError {
        switch e {
        case .notFound(let m): return APIError(.notFound, code: "not_found", message: m)
        case .conflict(let m): return APIError(.conflict, code: "conflict", message: m)
        case .validation(let field, let reason): return validation(field, reason)
        case .forbidden(let m): return APIError(.forbidden, code: "forbidden", message: m)
        case .tenantSuspended: return APIError(.forbidden, code: "tenant_suspended", message: "the tenant is suspended")
        case .tenantInactive: return APIError(.forbidden, code: "tenant_inactive", message: "the tenant is inactive")
        case .idempotencyKeyReused(let field, let key):
            let reason = "was already used for a different event; a retry must send the same request (or use a new key)"
            return APIError(.conflict, code: "idempotency_key_reused", message: "\(field) '\(key.prefix(128))' \(reason)", fields: [field: reason])
        case .unauthorized(let m):
            return APIError(.unauthorized, code: "unauthorized", message: m, headers: [("WWW-Authenticate", "Bearer")])
        case .rateLimited(let after):
            return APIError(.tooManyRequests, code: "rate_limited", message: "too many attempts; retry in \(after) s",
                            headers: [("Retry-After", String(after))])
        case .unavailable(let code, let m): return APIError(.serviceUnavailable, code: code, message: m)
        case .quotaExceeded(let q):
            var e = APIError(.tooManyRequests, code: "quota_exceeded",
                             message: "the \(q.period.rawValue) quota for \(q.resourceType.rawValue) would be exceeded (\(q.current) of \(q.limit) used)")
            var details: JSONObject = ["resource_type": .string(q.resourceType.rawValue), "period": .string(q.period.rawValue),
                                       "current": .int(q.current), "limit": .int(q.limit),
                                       "resets_at": q.resetsAt.map { .string(RFC3339.format($0)) } ?? .null]
            if let index = q.index { details["index"] = .int(Int64(index)) }
            e.details = details
            if let resets = q.resetsAt {
                e.headers.append(("Retry-After", String(max(1, Int(resets.timeIntervalSinceNow.rounded(.up))))))
            }
            return e
        }
    }

    /// Gateway failures (SPEC §9): Asaas's own code and description travel in `gateway_code` / `gateway_description`.
    static func from(gateway e: GatewayError) -> APIError {
        switch e {
        case .rejected(let status, let code, let description):
            var error = APIError(.badGateway, code: "gateway_error", message: "the payment gateway refused the request: \(description)")
            error.details = ["gateway_status": .int(Int64(status)), "gateway_code": .string(code), "gateway_description": .string(description)]
            return error
        case .invalidResponse:
            var error = APIError(.badGateway, code: "gateway_error", message: "the payment gateway answered with an unreadable response")
            error.details = ["gateway_status": .null, "gateway_code": "invalid_response", "gateway_description": .null]
            return error
        case .timeout:
            return APIError(.gatewayTimeout, code: "gateway_timeout", message: "the payment gateway did not answer in time; the operation may still have happened, check before retrying")
        case .unreachable:
            return APIError(.gatewayTimeout, code: "gateway_timeout", message: "the payment gateway could not be reached")
        case .disabled:
            return APIError(.serviceUnavailable, code: "gateway_disabled", message: "the payment gateway is disabled (ASAAS_ENABLED=false)")
        }
    }

    /// The error envelope: `{"error":{"message","code","status","fields"?}}`.
    public var json: JSON {
        var body: JSONObject = ["message": .string(message), "code": .string(code), "status": .int(Int64(status.code))]
        if let details { for (k, v) in details { body[k] = v } }
        if !fields.isEmpty {
            var f = JSONObject()
            for key in fields.keys.sorted() { f[key] = .string(fields[key]!) }
            body["fields"] = .object(f)
        }
        return ["error": .object(body)]
    }

    /// The complete HTTP response for this error.
    public var response: HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")])
        for (k, v) in self.headers { headers.add(k, v) }
        return HTTPResponse(status: status, headers: headers, body: .bytes(json.serialized()))
    }
}
