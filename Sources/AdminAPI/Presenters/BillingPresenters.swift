import Billing
import Foundation
import Support

/// JSON shapes of plans, subscriptions, invoices, payment methods and job runs (same keys always).
extension Present {
    static func plan(_ p: Plan) -> JSON {
        var prices = JSONObject()
        for c in BillingCycle.allCases { prices[c.rawValue] = JSON(p.prices[c]) }
        var overage = JSONObject()
        for r in ResourceType.allCases { if let v = p.overageMicros[r] { overage[r.rawValue] = .int(v) } }
        return [
            "plan_type": .string(p.planType.rawValue), "name": .string(p.name), "description": JSON(p.description),
            "currency": .string(p.currency), "price_cents": JSON(p.prices[.monthly]), "prices": .object(prices),
            "included_usage": .array(p.included.map {
                ["resource_type": .string($0.resourceType.rawValue), "period": .string($0.period.rawValue),
                 "limit_value": .int($0.limitValue), "is_hard_limit": .bool($0.isHardLimit)]
            }),
            "overage_unit_price_micros": .object(overage), "is_active": .bool(p.isActive),
            "created_at": time(p.createdAt), "updated_at": time(p.updatedAt),
        ]
    }

    static func subscription(_ s: Subscription) -> JSON {
        [
            "id": .string(s.id), "tenant_id": .string(s.tenantId), "plan_type": .string(s.planType.rawValue),
            "billing_cycle": .string(s.billingCycle.rawValue), "status": .string(s.status.rawValue), "price_cents": .int(s.priceCents),
            "currency": .string(s.currency), "current_period_start": time(s.currentPeriodStart), "current_period_end": time(s.currentPeriodEnd),
            "trial_ends_at": time(s.trialEndsAt), "cancel_at_period_end": .bool(s.cancelAtPeriodEnd), "cancelled_at": time(s.cancelledAt),
            "ended_at": time(s.endedAt), "external_subscription_id": JSON(s.externalSubscriptionId),
            "metadata": s.metadata.map { .object($0) } ?? .null, "created_at": time(s.createdAt), "updated_at": time(s.updatedAt),
        ]
    }

    static func invoiceLine(_ l: InvoiceLine) -> JSON {
        [
            "kind": .string(l.kind.rawValue), "description": .string(l.description), "quantity": .int(l.quantity),
            "unit_amount_cents": JSON(l.unitAmountCents), "unit_price_micros": JSON(l.unitPriceMicros), "amount_cents": .int(l.amountCents),
        ]
    }

    static func invoice(_ i: Invoice) -> JSON {
        [
            "id": .string(i.id), "tenant_id": .string(i.tenantId), "subscription_id": JSON(i.subscriptionId),
            "invoice_number": .string(i.number), "status": .string(i.status.rawValue), "currency": .string(i.currency),
            "amount_cents": .int(i.amountCents), "line_items": .array(i.lines.map(invoiceLine)),
            "period_start": time(i.periodStart), "period_end": time(i.periodEnd), "due_date": .string(i.dueDate),
            "issued_at": time(i.issuedAt), "paid_at": time(i.paidAt), "billing_details": i.billingDetails.map { .object($0) } ?? .null,
            "notes": JSON(i.notes), "payment_method": JSON(i.paymentMethod), "external_payment_id": JSON(i.externalPaymentId),
            "external_invoice_url": JSON(i.externalInvoiceURL), "payment_attempts": JSON(i.paymentAttempts),
            "last_payment_error": JSON(i.lastPaymentError), "created_at": time(i.createdAt), "updated_at": time(i.updatedAt),
        ]
    }

    static func paymentMethod(_ m: PaymentMethod) -> JSON {
        [
            "id": .string(m.id), "tenant_id": .string(m.tenantId), "type": .string(m.type.rawValue), "status": .string(m.status.rawValue),
            "is_default": .bool(m.isDefault), "has_token": .bool(m.hasToken), "card_brand": JSON(m.cardBrand),
            "card_last4": JSON(m.cardLast4), "exp_month": JSON(m.expMonth), "exp_year": JSON(m.expYear),
            "holder_name": JSON(m.holderName), "label": JSON(m.label), "metadata": m.metadata.map { .object($0) } ?? .null,
            "created_at": time(m.createdAt), "updated_at": time(m.updatedAt), "deleted_at": time(m.deletedAt),
        ]
    }

    static func jobRun(_ r: JobRun) -> JSON {
        [
            "id": .string(r.id), "job": .string(r.job), "trigger": .string(r.trigger.rawValue), "as_of": time(r.asOf),
            "dry_run": .bool(r.dryRun), "started_at": time(r.startedAt), "instance_id": JSON(r.instanceId), "heartbeat_at": time(r.heartbeatAt), "finished_at": time(r.finishedAt),
            "outcome": .string(r.outcome.rawValue), "message": JSON(r.message), "counts": r.countsJSON,
        ]
    }
}
