import Billing
import HTTP
import Support

/// Who may call an action.
public enum Permission: String, Sendable, CaseIterable {
    /// No credentials needed (`login`).
    case `public`
    /// Any authenticated principal, whatever its role.
    case authenticated
    /// Every role: checking a quota is what application (`service`) keys do besides recording usage.
    case quota
    /// Recording usage: service, admin and the operators.
    case usage
    /// Reading a tenant's data: every role but `service`.
    case read
    /// Paying a tenant's own invoices through the gateway: admin and the operators.
    case pay
    /// Managing a tenant's users, keys, webhooks and payment methods: admin and super-admin.
    case write
    /// Changing what a tenant is billed (prices, plans, subscriptions, invoices, quotas, refunds): operators only.
    case billing
    /// Super-admin only.
    case superAdmin = "super-admin"

    /// The roles this permission admits, in `Role.allCases` order.
    public var roles: [Role] {
        switch self {
        case .public, .authenticated, .quota: Role.allCases
        case .usage: [.service, .admin, .billing, .superAdmin]
        case .read: [.viewer, .admin, .billing, .superAdmin]
        case .pay: [.admin, .billing, .superAdmin]
        case .write: [.admin, .superAdmin]
        case .billing: [.billing, .superAdmin]
        case .superAdmin: [.superAdmin]
        }
    }

    public func allows(_ role: Role) -> Bool { roles.contains(role) }

    /// "admin, billing or super-admin", for the 403 message and the docs.
    public var rolesText: String {
        let names = roles.map(\.rawValue)
        return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

/// How an action relates to tenants; the router resolves it before the handler runs.
public enum TenantScope: Sendable {
    /// Acts on one tenant: the caller's own, or for super-admins the required `tenant_id`.
    case tenant
    /// Like `.tenant`, but a super-admin who names no tenant acts across all tenants (lists).
    case optionalTenant
    /// Like `.tenant` for an action on one object named by id (the first of `fields` given): a super-admin
    /// who names no tenant acts on the object's own tenant; one who names a tenant must name the object's
    /// (else 404, as for any object of another tenant).
    case owner(TenantOwnedObject, fields: [String] = ["id"])
    /// Not about a tenant's data (tenant management, login, the caller itself).
    case none

    /// Whether the router reads `tenant_id` for this scope.
    public var namesTenant: Bool {
        if case .none = self { return false }
        return true
    }
}

/// Everything a handler gets: validated parameters, the caller, the resolved tenant.
public struct ActionRequest: Sendable {
    public let params: Params
    /// nil only for `.public` actions.
    public let principal: Principal?
    /// The resolved tenant for `.tenant` and `.owner` scope (always set) and `.optionalTenant` (nil = all tenants).
    public let tenantId: String?
    public let http: HTTPRequest
    /// The session token when the caller authenticated with the dashboard cookie.
    public let sessionToken: String?
    /// The server's actions (what `current_user` reports as allowed).
    public let table: ActionTable

    /// The audit context of this call.
    public var context: CallContext {
        CallContext(principal: principal ?? .system, clientIP: http.remoteAddress, requestId: http.requestId)
    }

    /// The resolved tenant of a `.tenant`-scoped action.
    public var tenant: String {
        guard let tenantId else { preconditionFailure("tenant-scoped action without a resolved tenant") }
        return tenantId
    }
}

/// What a handler returns: data for the envelope, or a whole response (HTML, CSV, cookies), or either later.
public enum ActionResult: Sendable {
    case data(JSON, status: HTTPStatus, headers: [(String, String)])
    case response(HTTPResponse)
    /// Answered later, without holding the request worker: `start` runs on the worker and hands the slow
    /// part to threads of its own, which call `reply.finish` once with the real result (`test_webhook_endpoint`).
    case later(@Sendable (ActionReply) -> Void)

    /// `{"data": value}` with 200.
    public static func ok(_ value: JSON) -> ActionResult { .data(value, status: .ok, headers: []) }
    /// `{"data": value}` with 201.
    public static func created(_ value: JSON) -> ActionResult { .data(value, status: .created, headers: []) }
}

/// One row of the action table: name, methods, permission, tenant scope and handler.
public struct Action: Sendable {
    public let name: String
    public let methods: [HTTPMethod]
    public let permission: Permission
    public let scope: TenantScope
    public let summary: String
    /// The declared parameters: anything else is refused (`unknown_parameter`).
    public let input: [FieldSpec]
    /// The section of the docs and the OpenAPI tag (set by the table).
    public internal(set) var group: String?
    /// Media types of an action that answers a document instead of the JSON envelope (CSV, HTML, PDF).
    public private(set) var produces: [String]?
    /// What `data` holds on success: a page for every `list_*` (one shape for lists), else an object.
    public private(set) var response: ResponseShape = .object
    public let handler: @Sendable (ActionRequest) throws -> ActionResult
    /// Reads the parameters as the handler would, only to throw its 400 (every invalid field at once).
    let checkInput: @Sendable (Params) throws -> Void

    /// An action with a typed input: the parameters are read and checked (unknown names, every invalid field)
    /// before `handler` runs.
    public init<Input: ActionInput>(_ name: String, _ methods: [HTTPMethod], _ permission: Permission, scope: TenantScope,
                                    input: Input.Type, summary: String,
                                    handler: @escaping @Sendable (ActionRequest, Input) throws -> ActionResult) {
        self.name = name
        self.methods = methods
        self.permission = permission
        self.scope = scope
        self.summary = summary
        self.input = Input.fields
        self.response = name.hasPrefix("list_") ? .page : .object
        let allowed: Set<String> = scope.namesTenant ? ["tenant_id"] : []
        self.handler = { request in try handler(request, try Input(request.params, extraAllowed: allowed)) }
        self.checkInput = { params in _ = try Input(params, extraAllowed: allowed) }
    }

    /// The same action answering documents of these media types instead of the JSON envelope.
    public func producing(_ mediaTypes: [String]) -> Action {
        var action = self
        action.produces = mediaTypes
        return action
    }

    /// The same action with another shape of `data`.
    public func answering(_ shape: ResponseShape) -> Action {
        var action = self
        action.response = shape
        return action
    }

    /// True for actions that change state (audit, CSRF rule).
    public var isMutation: Bool { methods.contains(.POST) }
}

/// Finishes an action that answered `.later`, from any thread; errors map to statuses like any handler's.
public struct ActionReply: Sendable {
    let deliver: @Sendable (Result<ActionResult, any Error>) -> Void

    /// Runs `body` and sends what it returns or throws (only the first call counts).
    public func finish(_ body: () throws -> ActionResult) {
        deliver(Result { try body() })
    }
}

/// The shape of `data` in a success envelope, for the OpenAPI document.
public enum ResponseShape: Sendable {
    /// One JSON object.
    case object
    /// One JSON object, or null when there is none (the tenant's live subscription).
    case objectOrNull
    /// `{items, total, limit, offset}`.
    case page
    /// `{items, limit, offset, next_cursor}` (offset or cursor pagination, no total).
    case cursorPage
    /// A JSON array.
    case array
}
