import Billing
import HTTP
import Storage
import Support

/// Serves `/admin-api/NAME` and `/admin-api?action=NAME` (and `/admin-api.php`): finds the action, authenticates,
/// checks permission and CSRF, resolves the tenant, decodes parameters, calls the handler,
/// and renders the envelope. The single path every API call takes (ARCHITECTURE "One path per job").
public struct AdminResponder: HTTPResponder {
    let table: ActionTable
    let services: AdminServices
    let logger: Logger

    /// The path form's prefix: `/admin-api/log_usage` is `/admin-api?action=log_usage`.
    public static let pathPrefix = "/admin-api/"

    public init(table: ActionTable, services: AdminServices, logger: Logger) {
        self.table = table
        self.services = services
        self.logger = logger
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        var fields: [(String, String)] = []
        let response: HTTPResponse
        do {
            response = try handle(request, logFields: &fields)
        } catch {
            response = failure(error, request)
        }
        let logFields = fields
        let action = Self.actionName(request).flatMap { table.actions[$0] != nil ? $0 : "unknown" } ?? "none"
        let metrics = services.metrics
        // Now, or when a deferred answer (`ActionResult.later`) arrives.
        return response.map { response in
            var response = response
            response.logFields += logFields
            metrics.recordCall(action: action, status: response.status.code)
            return response
        }
    }

    /// The answer to a thrown error, logged when it is the server's fault.
    func failure(_ error: any Error, _ request: HTTPRequest) -> HTTPResponse {
        let apiError = APIError.from(error)
        switch error {
        case GatewayError.disabled, is APIError, is BillingError:
            break  // the caller's answer says it all; a switched-off gateway is configuration, not a failure
        case let gateway as GatewayError:
            logger.warning("gateway call failed", ["request_id": request.requestId, "action": Self.actionName(request) ?? "",
                                                   "error": gateway.reason])
        case let corrupt as RowDecodingError:
            // The description names the column and what it held, never the stored value.
            logger.error("request failed: corrupt stored row", ["request_id": request.requestId, "action": Self.actionName(request) ?? "",
                                                                "error": corrupt.description])
        default:
            if apiError.status.code >= 500 {
                logger.error("request failed", ["request_id": request.requestId, "action": Self.actionName(request) ?? "",
                                                "error": String(describing: error)])
            }
        }
        return apiError.response
    }

    /// The response of a handler's result.
    func render(_ result: ActionResult, _ request: HTTPRequest) -> HTTPResponse {
        switch result {
        case .response(let r):
            return r
        case .data(let value, let status, let headers):
            let envelope: JSON = ["data": value]
            var h = HTTPHeaders([("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")])
            for (k, v) in headers { h.add(k, v) }
            return HTTPResponse(status: status, headers: h, body: .bytes(envelope.serialized()))
        case .later(let start):
            return .deferred { sink in
                start(ActionReply { result in
                    switch result {
                    case .success(.later):
                        sink.send(failure(APIError.internalError, request))  // a later answer must not defer again
                    case .success(let result):
                        sink.send(render(result, request))
                    case .failure(let error):
                        sink.send(failure(error, request))
                    }
                })
            }
        }
    }

    func handle(_ request: HTTPRequest, logFields: inout [(String, String)]) throws -> HTTPResponse {
        guard let name = Self.actionName(request), !name.isEmpty else {
            throw APIError(.badRequest, code: "missing_action", message: "name the action in the path (/admin-api/NAME) or the action query parameter")
        }
        logFields.append(("action", String(name.prefix(64))))
        if let inPath = Self.pathAction(request), let inQuery = request.query["action"], inPath != inQuery {
            throw APIError(.badRequest, code: "validation_failed", message: "action names \(String(inQuery.prefix(64))) but the path names \(String(inPath.prefix(64)))",
                           fields: ["action": "differs from the action in the path"])
        }
        guard let action = table.actions[name] else { throw unknownAction(name) }
        let method = request.method == .HEAD ? HTTPMethod.GET : request.method
        guard action.methods.contains(method) else {
            let allow = action.methods.map(\.rawValue).joined(separator: ", ")
            throw APIError(.methodNotAllowed, code: "method_not_allowed", message: "\(name) accepts \(allow)", headers: [("Allow", allow)])
        }
        var principal: Principal?
        var sessionToken: String?
        if action.permission != .public {
            let auth = try authenticate(request)
            principal = auth.principal
            sessionToken = auth.sessionToken
            logFields.append(("principal", auth.principal.id))
            // `logout` always works: a suspended user must be able to end the session they hold.
            if !auth.principal.isOperator, name != "logout", let refusal = auth.tenantStatus?.refusal { throw refusal }
            guard action.permission.allows(auth.principal.role) else {
                throw APIError(.forbidden, code: "forbidden", message: "\(name) needs the role \(action.permission.rolesText)")
            }
            if auth.sessionToken != nil, action.isMutation, !Self.passesCSRFCheck(request) {
                throw APIError(.forbidden, code: "forbidden",
                               message: "cookie-authenticated changes must come from this site and send X-Requested-With or a JSON content type")
            }
        } else if name == "login", !Self.passesCSRFCheck(request) {
            // Login CSRF: another site must not sign a browser in (to an account of the attacker's choosing).
            throw APIError(.forbidden, code: "forbidden", message: "login must come from this site and send X-Requested-With or a JSON content type")
        }
        if let name = request.queryNamesWithInvalidUTF8.first {
            // `?=%FF` has no name; the 400 still names a field.
            throw APIError.validation(name.isEmpty ? "(unnamed)" : name, "must be valid UTF-8 (its percent-escapes decode to invalid bytes)")
        }
        let params = Params(query: request.queryItems, body: try Self.decodeBody(request))
        let tenantId: String?
        do {
            tenantId = try resolveTenant(action.scope, params: params, principal: principal)
        } catch let refusal as APIError where refusal.status == .badRequest {
            // A malformed id or a missing tenant_id is reported with every other invalid field of the input, not alone.
            do {
                try action.checkInput(params)
            } catch let invalid as APIError where invalid.status == .badRequest {
                throw APIError.invalid(invalid.fields.merging(refusal.fields) { input, _ in input })
            }
            throw refusal
        }
        if let tenantId { logFields.append(("tenant", tenantId)) }

        let actionRequest = ActionRequest(params: params, principal: principal, tenantId: tenantId, http: request, sessionToken: sessionToken, table: table)
        return render(try action.handler(actionRequest), request)
    }

    /// The action a request names: the path form's last segment, else the `action` query parameter.
    static func actionName(_ request: HTTPRequest) -> String? {
        pathAction(request) ?? request.query["action"]
    }

    /// `NAME` of `/admin-api/NAME`.
    static func pathAction(_ request: HTTPRequest) -> String? {
        guard request.path.hasPrefix(pathPrefix) else { return nil }
        return String(request.path.dropFirst(pathPrefix.count))
    }

    /// 400 `unknown_action`, suggesting the nearest action name when one is close.
    func unknownAction(_ name: String) -> APIError {
        let shown = String(name.prefix(64))
        var error = APIError(.badRequest, code: "unknown_action", message: "unknown action '\(shown)'")
        if let nearest = ActionNameSuggestion.nearest(to: shown, among: table.names) {
            error.message += "; did you mean '\(nearest)'?"
            error.details = ["suggestion": .string(nearest)]
        }
        return error
    }

    /// The JSON body as an object; an empty body is no parameters.
    static func decodeBody(_ request: HTTPRequest) throws -> JSONObject? {
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        let parsed: JSON
        do {
            parsed = try JSON.parse(request.body)
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "the body is not valid JSON: \(error.description)")
        }
        guard case .object(let object) = parsed else {
            throw APIError(.badRequest, code: "invalid_json", message: "the body must be a JSON object, got \(parsed.typeName)")
        }
        return object
    }

    struct Authenticated {
        let principal: Principal
        let tenantStatus: Tenant.Status?
        let sessionToken: String?
    }

    /// Bearer key, then the deprecated `X-Admin-Token`, then the session cookie. Anything missing or wrong → 401.
    func authenticate(_ request: HTTPRequest) throws -> Authenticated {
        var secret: String?
        if let header = request.headers["Authorization"] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw BillingError.unauthorized("the Authorization header must be 'Bearer <api key>'")
            }
            secret = String(parts[1]).trimmingCharacters(in: .whitespaces)
        } else if let token = request.headers["X-Admin-Token"] {
            secret = token
        }
        if let secret {
            guard let found = try services.apiKeys.authenticate(secret: secret) else {
                throw BillingError.unauthorized("the API key is invalid, expired or revoked")
            }
            return Authenticated(principal: found.principal, tenantStatus: found.tenantStatus, sessionToken: nil)
        }
        if let token = Self.cookie(AuthActions.cookieName, in: request) {
            guard let found = try services.sessions.authenticate(token: token) else {
                throw BillingError.unauthorized("the session has expired; log in again")
            }
            return Authenticated(principal: found.principal, tenantStatus: found.tenantStatus, sessionToken: token)
        }
        throw BillingError.unauthorized("credentials are required: send Authorization: Bearer <api key>")
    }

    /// The tenant the call acts on (ARCHITECTURE: tenant scoping lives in one place).
    func resolveTenant(_ scope: TenantScope, params: Params, principal: Principal?) throws -> String? {
        guard scope.namesTenant, let principal else { return nil }
        let named = try params.id("tenant_id")
        if principal.isOperator {
            guard let named else {
                switch scope {
                case .tenant: throw APIError.validation("tenant_id", "is required for \(principal.role.rawValue) calls")
                case .owner(let kind, let fields):
                    guard let field = fields.first(where: params.has), let id = try params.id(field) else {
                        throw APIError.validation("tenant_id", "is required for \(principal.role.rawValue) calls that name no \(fields.joined(separator: " or "))")
                    }
                    guard let owner = try services.tenants.owner(of: kind, id: id) else { throw BillingError.notFound(kind.notFound) }
                    return owner
                case .optionalTenant, .none: return nil
                }
            }
            guard try services.tenants.exists(id: named) else { throw BillingError.notFound("tenant not found") }
            return named
        }
        guard let own = principal.tenantId else { throw BillingError.forbidden("the credentials belong to no tenant") }
        if let named, named != own { throw BillingError.forbidden("tenant_id names a tenant these credentials cannot access") }
        return own
    }

    /// The CSRF rule for cookie-authenticated changes and `login`. A cross-site page can neither add
    /// `X-Requested-With` nor send `Content-Type: application/json` without a CORS preflight (which this server never
    /// grants), so one of them is required (the media type exactly: `application/jsonx` is not JSON). Browsers also say
    /// where a request comes from: an `Origin` naming another host (or `null`) and a `Sec-Fetch-Site` other than
    /// `same-origin`/`none` are refused outright. The origin is compared by host and port with `Host` (or
    /// `X-Forwarded-Host`, which a cross-site page cannot set either).
    static func passesCSRFCheck(_ request: HTTPRequest) -> Bool {
        if let site = request.headers["Sec-Fetch-Site"]?.lowercased(), site != "same-origin", site != "none" { return false }
        if let origin = request.headers["Origin"] {
            let hosts = [request.headers["Host"], request.headers["X-Forwarded-Host"]].compactMap { $0?.lowercased() }
            guard let host = Self.hostAndPort(ofOrigin: origin), hosts.contains(host) else { return false }
        }
        if request.headers["X-Requested-With"] != nil { return true }
        let mediaType = request.headers["Content-Type"]?.split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json"
    }

    /// `host[:port]` of an `Origin` header (`https://billing.example.com:8443` → `billing.example.com:8443`); nil for
    /// `null` or anything that is not `scheme://host[:port]`.
    static func hostAndPort(ofOrigin origin: String) -> String? {
        let lower = origin.lowercased()
        guard let schemeEnd = lower.range(of: "://"), ["http", "https"].contains(String(lower[..<schemeEnd.lowerBound])) else { return nil }
        let rest = lower[schemeEnd.upperBound...]
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@") else { return nil }
        return String(rest)
    }

    static func cookie(_ name: String, in request: HTTPRequest) -> String? {
        for header in request.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces) == name {
                    return kv[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}
