import Billing
import HTTP
import Support

/// The audit trail (SPEC §3).
enum AuditActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_audit_events", [.GET], .write, scope: .optionalTenant, input: ListAuditEventsInput.self,
                   summary: "Audit events, newest first, filtered by action, actor, target and time") { r, input in
                var q = input.query
                q.tenantId = r.tenantId
                let result = try s.audit.list(q)
                return .ok(Present.page(result.events.map(Present.auditEvent), total: result.total, limit: q.limit, offset: q.offset))
            },
        ]
    }
}
