import Billing
import HTTP
import Support

/// Payment methods (SPEC §7): gateway tokens sealed at rest; card numbers and CVVs refused.
enum PaymentMethodActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("list_payment_methods", [.GET], .read, scope: .tenant, input: ListPaymentMethodsInput.self,
                   summary: "The tenant's payment methods, newest first (include_deleted=true for history)") { r, input in
                let page = input.page
                let result = try s.paymentMethods.list(tenantId: r.tenant, includeDeleted: input.includeDeleted, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.items.map(Present.paymentMethod), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("add_payment_method", [.POST], .write, scope: .tenant, input: AddPaymentMethodInput.self,
                   summary: "Add a payment method (gateway token, card brand/last 4/expiry)") { r, input in
                .created(Present.paymentMethod(try s.paymentMethods.add(tenantId: r.tenant, input.draft, context: r.context)))
            },
            Action("set_default_payment_method", [.POST], .write, scope: .owner(.paymentMethod), input: PaymentMethodIDInput.self,
                   summary: "Make a payment method the tenant's default") { r, input in
                .ok(Present.paymentMethod(try s.paymentMethods.setDefault(id: input.id, tenantId: r.tenant, context: r.context)))
            },
            Action("delete_payment_method", [.POST], .write, scope: .owner(.paymentMethod), input: PaymentMethodIDInput.self,
                   summary: "Delete a payment method (soft: status deleted, token erased)") { r, input in
                .ok(Present.paymentMethod(try s.paymentMethods.delete(id: input.id, tenantId: r.tenant, context: r.context)))
            },
        ]
    }
}
