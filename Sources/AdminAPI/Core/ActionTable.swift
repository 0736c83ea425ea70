/// The API's table of contents: every action with its methods, permission and tenant scope.
///
/// docs/ADMIN_API.md follows this table; a test fails when an action is missing there.
public struct ActionTable: Sendable {
    public let actions: [String: Action]
    /// Names in the order they were registered (the order of the docs).
    public let names: [String]

    public init(_ groups: [[Action]]) {
        var actions: [String: Action] = [:]
        var names: [String] = []
        for action in groups.joined() {
            precondition(actions[action.name] == nil, "action \(action.name) registered twice")
            actions[action.name] = action
            names.append(action.name)
        }
        self.actions = actions
        self.names = names
    }

    /// Every action of the server.
    public static func standard(_ services: AdminServices) -> ActionTable {
        ActionTable([
            AuthActions.make(services),
            TenantActions.make(services),
            UserActions.make(services),
            APIKeyActions.make(services),
            AuditActions.make(services),
            UsageActions.make(services),
            QuotaActions.make(services),
            PlanActions.make(services), SubscriptionActions.make(services), InvoiceActions.make(services), PaymentMethodActions.make(services), JobActions.make(services),
            NotificationActions.make(services), WebhookActions.make(services),
            GatewayActions.make(services),
            OperatorActions.make(services),
        ])
    }
}
