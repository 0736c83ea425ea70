import Billing
import Foundation
import HTTP
import Support

/// What needs the operator: held gateway events and gateway charges that do not match their invoice.
/// Super-admins only; tenants never see these (the tenant concerned may be the one that caused them).
enum OperatorActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_operator_alerts", [.GET], .billing, scope: .none, input: ListOperatorAlertsInput.self,
                   summary: "Operator alerts, newest first (open=true|false, kind, tenant_id)") { _, input in
                let q = input.query
                let result = try s.operatorAlerts.list(q)
                return .ok(Present.page(result.items.map(Present.operatorAlert), total: result.total, limit: q.limit, offset: q.offset))
            },
            Action("resolve_operator_alert", [.POST], .billing, scope: .none, input: ResolveOperatorAlertInput.self,
                   summary: "Close an operator alert with a note saying what was done") { r, input in
                .ok(Present.operatorAlert(try s.operatorAlerts.resolve(id: input.id, resolution: input.resolution, context: r.context)))
            },
        ]
    }
}

extension Present {
    static func operatorAlert(_ a: OperatorAlert) -> JSON {
        [
            "id": .string(a.id), "kind": .string(a.kind.rawValue), "severity": .string(a.severity.rawValue), "subject": .string(a.subject),
            "message": .string(a.message), "tenant_id": JSON(a.tenantId), "invoice_id": JSON(a.invoiceId),
            "metadata": a.metadata.map { .object($0) } ?? .null, "status": .string(a.isOpen ? "open" : "resolved"),
            "created_at": time(a.createdAt), "resolved_at": time(a.resolvedAt), "resolved_by": JSON(a.resolvedBy), "resolution": JSON(a.resolution),
        ]
    }
}
