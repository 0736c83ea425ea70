import Billing
import HTTP
import Support

/// Payment methods (SPEC §7): gateway tokens sealed at rest; card numbers and CVVs refused.
enum PaymentMethodActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_payment_methods", [.GET], .read, scope: .tenant, summary: "The tenant's payment methods (include_deleted=true for history)") { r in
                let all = try r.params.bool("include_deleted") ?? false
                return .ok(.array(try s.paymentMethods.list(tenantId: r.tenant, includeDeleted: all).map(Present.paymentMethod)))
            },
            Action("add_payment_method", [.POST], .write, scope: .tenant, summary: "Add a payment method (gateway token, card brand/last 4/expiry)") { r in
                // Before anything else: a PAN or CVV anywhere in the request is refused, never parsed further.
                var fields: [(name: String, value: JSON)] = r.http.queryItems.filter { $0.name != "action" }.map { ($0.name, .string($0.value)) }
                if let body = try AdminResponder.decodeBody(r.http) { fields += body.map { ($0.key, $0.value) } }
                try CardDataGuard.check(fields)
                let p = r.params
                var d = PaymentMethodDraft()
                d.type = try p.enumeration("type", PaymentMethod.Kind.self)
                d.isDefault = try p.bool("is_default")
                d.token = try p.string("token", maxLength: 500)
                d.cardBrand = try p.string("card_brand", maxLength: 40)
                d.cardLast4 = try p.string("card_last4", maxLength: 4)
                d.expMonth = try p.int("exp_month", in: 1...12)
                d.expYear = try p.int("exp_year", in: 2000...2200)
                d.holderName = try p.string("holder_name", maxLength: 200)
                d.label = try p.string("label", maxLength: 200)
                d.metadata = try p.object("metadata")
                return .created(Present.paymentMethod(try s.paymentMethods.add(tenantId: r.tenant, d, context: r.context)))
            },
            Action("set_default_payment_method", [.POST], .write, scope: .tenant, summary: "Make a payment method the tenant's default") { r in
                .ok(Present.paymentMethod(try s.paymentMethods.setDefault(id: try r.params.requiredID("id"), tenantId: r.tenant, context: r.context)))
            },
            Action("delete_payment_method", [.POST], .write, scope: .tenant, summary: "Delete a payment method (soft: status deleted, token erased)") { r in
                .ok(Present.paymentMethod(try s.paymentMethods.delete(id: try r.params.requiredID("id"), tenantId: r.tenant, context: r.context)))
            },
        ]
    }
}
