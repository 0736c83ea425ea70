import Billing
import HTTP
import Support

/// The plan catalog (SPEC §7).
enum PlanActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_plans", [.GET], .read, scope: .none, input: ListPlansInput.self,
                   summary: "The plan catalog in catalog order (include_inactive=true for retired plans)") { _, input in
                let page = input.page
                let result = try s.plans.list(includeInactive: input.includeInactive, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.items.map(Present.plan), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("upsert_plan", [.POST], .billing, scope: .none, input: UpsertPlanInput.self,
                   summary: "Create or change a plan of the catalog (omitted fields are kept)") { r, input in
                let result = try s.plans.upsert(input.plan, input.draft, context: r.context)
                return result.created ? .created(Present.plan(result.plan)) : .ok(Present.plan(result.plan))
            },
        ]
    }
}
