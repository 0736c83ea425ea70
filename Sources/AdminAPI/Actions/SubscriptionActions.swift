import Billing
import HTTP
import Support

/// Subscriptions (SPEC §7): one live per tenant, the rest history.
enum SubscriptionActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("get_subscription", [.GET], .read, scope: .owner(.subscription), input: GetSubscriptionInput.self,
                   summary: "The tenant's live subscription, or null; with id, that subscription") { r, input in
                if let id = input.id { return .ok(Present.subscription(try s.subscriptions.get(id: id, tenantId: r.tenant))) }
                return .ok(try s.subscriptions.live(tenantId: r.tenant).map(Present.subscription) ?? .null)
            }.answering(.objectOrNull),
            Action("list_subscriptions", [.GET], .read, scope: .tenant, input: ListSubscriptionsInput.self,
                   summary: "The tenant's subscriptions, newest first (history included)") { r, input in
                let page = input.page
                let result = try s.subscriptions.list(tenantId: r.tenant, status: input.status, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.items.map(Present.subscription), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("create_subscription", [.POST], .billing, scope: .tenant, input: CreateSubscriptionInput.self,
                   summary: "Subscribe the tenant to a plan (409 when one is live)") { r, input in
                .created(Present.subscription(try s.subscriptions.create(tenantId: r.tenant, input.draft, context: r.context)))
            },
            Action("update_subscription", [.POST], .billing, scope: .owner(.subscription), input: UpdateSubscriptionInput.self,
                   summary: "Change plan, price, cycle, status or details of the live subscription") { r, input in
                .ok(Present.subscription(try s.subscriptions.update(tenantId: r.tenant, id: input.id, input.update, context: r.context)))
            },
            Action("cancel_subscription", [.POST], .billing, scope: .owner(.subscription), input: CancelSubscriptionInput.self,
                   summary: "Cancel now (immediately=true) or at the end of the period") { r, input in
                .ok(Present.subscription(try s.subscriptions.cancel(tenantId: r.tenant, id: input.id, immediately: input.immediately,
                                                                  context: r.context)))
            },
        ]
    }
}
