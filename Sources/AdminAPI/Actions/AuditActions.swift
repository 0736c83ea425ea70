import Billing
import HTTP
import Support

/// The audit trail (SPEC §3).
enum AuditActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_audit_events", [.GET], .write, scope: .optionalTenant, summary: "Audit events, newest first, filtered by action, actor, target and time") { r in
                var q = AuditQuery()
                q.tenantId = r.tenantId
                q.action = try r.params.string("event_action", maxLength: 100)
                q.actorId = try r.params.string("actor_id", maxLength: 64)
                q.targetId = try r.params.string("target_id", maxLength: 64)
                q.since = try r.params.date("start_date")
                q.until = try r.params.date("end_date", endOfDay: true)
                let page = try r.params.page()
                q.limit = page.limit
                q.offset = page.offset
                let result = try s.audit.list(q)
                return .ok(Present.page(result.events.map(Present.auditEvent), total: result.total, limit: page.limit, offset: page.offset))
            },
        ]
    }
}
