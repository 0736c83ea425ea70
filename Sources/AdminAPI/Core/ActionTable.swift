import Billing
/// The API's table of contents: every action with its methods, permission and tenant scope.
///
/// docs/ADMIN_API.md follows this table; a test fails when an action is missing there.
public struct ActionTable: Sendable {
    public let actions: [String: Action]
    /// Names in the order they were registered (the order of the docs).
    public let names: [String]

    /// Group names in order (the docs' sections, the OpenAPI tags).
    public let groups: [String]

    public init(_ groups: [(name: String, actions: [Action])]) {
        var actions: [String: Action] = [:]
        var names: [String] = []
        for (group, members) in groups {
            for var action in members {
                precondition(actions[action.name] == nil, "action \(action.name) registered twice")
                action.group = group
                actions[action.name] = action
                names.append(action.name)
            }
        }
        self.actions = actions
        self.names = names
        self.groups = groups.map(\.name)
    }

    /// The names of the actions a role may call, in table order (`current_user.allowed_actions`).
    public func actionNames(allowedFor role: Role) -> [String] {
        names.filter { actions[$0]!.permission.allows(role) }
    }

    /// Every action of the server.
    public static func standard(_ services: AdminServices) -> ActionTable {
        ActionTable([
            ("Authentication", AuthActions.make(services)),
            ("Tenants", TenantActions.make(services)),
            ("Users", UserActions.make(services)),
            ("API keys", APIKeyActions.make(services)),
            ("Audit", AuditActions.make(services)),
            ("Usage metering", UsageActions.make(services)),
            ("Quotas", QuotaActions.make(services)),
            ("Plans", PlanActions.make(services)),
            ("Subscriptions", SubscriptionActions.make(services)),
            ("Invoices", InvoiceActions.make(services)),
            ("Payment methods", PaymentMethodActions.make(services)),
            ("Jobs", JobActions.make(services)),
            ("Notifications", NotificationActions.make(services)),
            ("Outbound webhooks", WebhookActions.make(services)),
            ("Payment gateway (Asaas)", GatewayActions.make(services)),
            ("Operator", OperatorActions.make(services)),
        ])
    }
}
