import Foundation
import Storage
import Support

/// Charges invoices through the payment gateway (SPEC §9): customers, charges, PIX, cards, refunds.
///
/// Order of work in every call: read and check in the database, call the gateway **outside** any
/// transaction, then record the outcome in one write transaction that re-reads the invoice (a webhook
/// may have moved it meanwhile). One gateway operation per invoice at a time, across instances (`ChargeLease`).
public struct PaymentService: Sendable {
    let database: Database
    let clock: any WallClock
    let gateway: (any PaymentGateway)?
    let paymentMethods: PaymentMethodService
    /// One gateway operation per invoice at a time, across every process on the database.
    let locks: ChargeLease

    public init(database: Database, clock: any WallClock, gateway: (any PaymentGateway)?, paymentMethods: PaymentMethodService) {
        self.database = database
        self.clock = clock
        self.gateway = gateway
        self.paymentMethods = paymentMethods
        self.locks = ChargeLease(database: database, clock: clock)
    }

    /// False when `ASAAS_ENABLED=false`: every call throws `GatewayError.disabled`.
    public var isEnabled: Bool { gateway != nil }

    func requireGateway() throws -> any PaymentGateway {
        guard let gateway else { throw GatewayError.disabled }
        return gateway
    }

    // MARK: - Customers

    /// Links the tenant to a gateway customer: the stored one, else one found by `externalReference`
    /// = tenant id (a crash after a create is not a duplicate), else a new one.
    public func syncCustomer(tenantId: String, _ input: CustomerSyncInput, context: CallContext) throws -> CustomerSyncResult {
        let gw = try requireGateway()
        guard let tenant = try database.read({ try TenantRepository(conn: $0).find(id: tenantId) }) else {
            throw BillingError.notFound("tenant not found")
        }
        if let existing = tenant.asaasCustomerId { return CustomerSyncResult(tenantId: tenantId, customerId: existing, created: false) }
        let found = try gw.findCustomers(externalReference: tenantId).first { !$0.deleted }
        let customer = try found ?? gw.createCustomer(GatewayCustomerInput(
            name: input.name ?? tenant.name, cpfCnpj: input.cpfCnpj, email: input.email ?? tenant.billingEmail, phone: input.phone,
            postalCode: input.postalCode, addressNumber: input.addressNumber, externalReference: tenantId))
        let now = clock.now()
        let stored = try database.write { conn -> String in
            guard let current = try TenantRepository(conn: conn).find(id: tenantId, forUpdate: true) else { throw BillingError.notFound("tenant not found") }
            if let other = current.asaasCustomerId { return other }  // a concurrent sync won
            try conn.run("UPDATE tenants SET asaas_customer_id = ?, updated_at = ? WHERE id = ?",
                         [.text(customer.id), .text(StoredTime.format(now)), .text(tenantId)])
            try AuditLog.record(conn, context, action: "sync_asaas_customer", tenantId: tenantId, targetId: tenantId,
                                changes: ["asaas_customer_id": .string(customer.id), "adopted": .bool(found != nil)], at: now)
            return customer.id
        }
        return CustomerSyncResult(tenantId: tenantId, customerId: stored, created: found == nil && stored == customer.id)
    }

    /// The tenant's gateway customer, created from the tenant's name and billing e-mail when missing.
    func ensureCustomer(tenantId: String, context: CallContext) throws -> String {
        try syncCustomer(tenantId: tenantId, CustomerSyncInput(), context: context).customerId
    }

    // MARK: - Charges

    /// Creates the gateway charge of an invoice (amount and due date from the invoice, externalReference =
    /// invoice id) and stores its id. An invoice already charged returns its existing charge.
    public func charge(invoiceId: String, tenantId: String, billingType: BillingType, context: CallContext) throws -> ChargeOutcome {
        let gw = try requireGateway()
        let invoice = try load(invoiceId, tenantId)
        if let external = invoice.externalPaymentId {
            let charge = try verifiedCharge(gw, external, of: invoice, action: "charge_invoice")
            let pix = charge.billingType == BillingType.pix.rawValue && charge.isOpen ? try gw.pixQRCode(chargeId: charge.id) : nil
            return ChargeOutcome(invoice: invoice, charge: charge, pix: pix, existing: true)
        }
        try Self.checkChargeable(invoice)
        let (updated, charge) = try locks.with(invoiceId) {
            try attachCharge(gw, invoice, billingType: billingType, action: "charge_invoice", context: context)
        }
        let pix = billingType == .pix && charge.isOpen ? try gw.pixQRCode(chargeId: charge.id) : nil
        return ChargeOutcome(invoice: updated, charge: charge, pix: pix, existing: false)
    }

    /// The PIX QR code of the invoice's charge (PIX, BOLETO and UNDEFINED charges have one).
    public func pixQRCode(invoiceId: String, tenantId: String) throws -> (invoice: Invoice, qrCode: GatewayPixQRCode) {
        let gw = try requireGateway()
        let invoice = try load(invoiceId, tenantId)
        guard let external = invoice.externalPaymentId else {
            throw BillingError.conflict("the invoice has no gateway charge yet; call charge_invoice first")
        }
        let charge = try verifiedCharge(gw, external, of: invoice, action: "get_invoice_pix_qrcode")
        return (invoice, try gw.pixQRCode(chargeId: charge.id))
    }

    /// Tokenizes the card (its data stays in memory), pays the invoice's charge with the token (creating a
    /// CREDIT_CARD charge first when there is none) and, when asked, keeps token, brand and last 4 as a
    /// payment method.
    public func payWithCard(invoiceId: String, tenantId: String, card: CardDetails, holder: CardHolder, remoteIP: String,
                            savePaymentMethod: Bool, context: CallContext) throws -> CardPaymentOutcome {
        let gw = try requireGateway()
        let invoice = try load(invoiceId, tenantId)
        try Self.checkChargeable(invoice)
        if savePaymentMethod, !paymentMethods.box.canSeal {
            throw BillingError.unavailable(code: "payment_data_key_missing",
                                           message: "\(paymentMethods.keyProblem ?? "PAYMENT_DATA_KEY is not configured"); the card cannot be saved")
        }
        return try locks.with(invoiceId) {
            let customer = try ensureCustomer(tenantId: tenantId, context: context)
            var current = invoice
            var charge: GatewayCharge
            if let external = invoice.externalPaymentId {
                charge = try verifiedCharge(gw, external, of: invoice, action: "pay_invoice_with_card")
            } else {
                (current, charge) = try attachCharge(gw, invoice, billingType: .creditCard, action: "pay_invoice_with_card", context: context)
            }
            guard charge.isOpen else { throw BillingError.conflict("the gateway charge is \(charge.status) and cannot be paid by card") }
            let paid: GatewayCharge
            let token: GatewayCardToken
            do {
                token = try gw.tokenizeCard(customerId: customer, card: card, holder: holder, remoteIP: remoteIP)
                paid = try gw.payWithCardToken(chargeId: charge.id, token: token.token, remoteIP: remoteIP)
            } catch let error as GatewayError {
                try recordFailure(current, reason: error.reason, action: "pay_invoice_with_card", context: context)
                throw error
            }
            charge = paid
            if paid.isPaid { current = try markPaid(current, chargeId: paid.id, method: "credit_card", action: "pay_invoice_with_card", context: context) }
            var method: PaymentMethod?
            if savePaymentMethod {
                var draft = PaymentMethodDraft()
                draft.type = .creditCard
                draft.token = token.token
                draft.cardBrand = token.brand
                draft.cardLast4 = token.last4.count == 4 ? token.last4 : card.last4
                draft.expMonth = Int64(card.expiryMonth)
                draft.expYear = Int64(card.expiryYear)
                draft.holderName = card.holderName
                method = try paymentMethods.add(tenantId: tenantId, draft, context: context)
            }
            return CardPaymentOutcome(invoice: current, charge: charge, paymentMethod: method)
        }
    }

    /// Refunds a paid invoice in full (`amountCents` nil) or in part; the invoice becomes `refunded`
    /// once everything is refunded.
    public func refund(invoiceId: String, tenantId: String, amountCents: Int64?, description: String?, context: CallContext) throws -> RefundOutcome {
        let gw = try requireGateway()
        let invoice = try load(invoiceId, tenantId)
        guard invoice.status == .paid else {
            throw BillingError.conflict("only paid invoices can be refunded (this one is \(invoice.status.rawValue))")
        }
        guard let external = invoice.externalPaymentId else {
            throw BillingError.conflict("the invoice was not paid through the gateway")
        }
        return try locks.with(invoiceId) {
            let already = try database.read { try Self.refundedCents($0, invoiceId) }
            let remaining = invoice.amountCents - already
            guard remaining > 0 else { throw BillingError.conflict("the invoice is already fully refunded") }
            let amount = amountCents ?? remaining
            guard (1...remaining).contains(amount) else {
                throw BillingError.validation(field: "amount_cents", reason: "must be between 1 and \(remaining) (the amount not yet refunded)")
            }
            _ = try verifiedCharge(gw, external, of: invoice, action: "refund_invoice")
            let charge = try gw.refund(chargeId: external, amountCents: amount, description: description)
            let now = clock.now()
            let (updated, total) = try database.write { conn -> (Invoice, Int64) in
                guard var current = try InvoiceStore.find(conn, id: invoiceId, tenantId: tenantId, forUpdate: true) else { throw BillingError.notFound("invoice not found") }
                let total = min(current.amountCents, try Self.refundedCents(conn, invoiceId) + amount)
                try conn.run("UPDATE invoices SET refunded_cents = ? WHERE id = ?", [.integer(total), .text(invoiceId)])
                var changes: JSONObject = ["amount_cents": .int(amount), "refunded_cents": .int(total), "external_payment_id": .string(external)]
                if total >= current.amountCents, current.status.canMove(to: .refunded) {
                    changes["status"] = ["from": .string(current.status.rawValue), "to": "refunded"]
                    current.status = .refunded
                }
                current.updatedAt = now
                try InvoiceStore.update(conn, current)
                try AuditLog.record(conn, context, action: "refund_invoice", tenantId: tenantId, targetId: invoiceId, changes: changes, at: now)
                return (current, total)
            }
            return RefundOutcome(invoice: updated, charge: charge, refundedCents: amount, totalRefundedCents: total)
        }
    }

    /// The gateway account's balance in cents.
    public func balanceCents() throws -> Int64 {
        try requireGateway().balanceCents()
    }

    // MARK: - Steps

    func load(_ invoiceId: String, _ tenantId: String) throws -> Invoice {
        guard let i = try database.read({ try InvoiceStore.find($0, id: invoiceId, tenantId: tenantId) }) else {
            throw BillingError.notFound("invoice not found")
        }
        return i
    }

    /// The gateway charge `chargeId` when it belongs to `invoice` (its tenant's customer, its id as reference, its
    /// amount); otherwise an operator alert and a 409, and nothing is done with the charge.
    func verifiedCharge(_ gw: any PaymentGateway, _ chargeId: String, of invoice: Invoice, action: String) throws -> GatewayCharge {
        let charge = try gw.getCharge(id: chargeId)
        let tenantCustomer = try database.read { try ChargeBinding.tenantCustomerId($0, tenantId: invoice.tenantId) }
        guard let why = ChargeBinding(charge).mismatch(invoice: invoice, tenantCustomerId: tenantCustomer) else { return charge }
        let now = clock.now()
        try database.write { conn in
            try OperatorAlertStore.raise(conn, kind: .gatewayChargeMismatch, subject: "Gateway charge does not match invoice \(invoice.number)",
                                         message: "\(action) refused: the charge \(chargeId) stored on invoice \(invoice.id) does not belong to it: \(why).",
                                         tenantId: invoice.tenantId, invoiceId: invoice.id,
                                         metadata: ["charge_id": .string(chargeId), "action": .string(action), "reason": .string(why)],
                                         dedupeKey: "gateway_charge_mismatch:\(invoice.id):\(chargeId)", at: now)
        }
        throw BillingError.conflict("the invoice's gateway charge does not match it; nothing was done and an operator was alerted")
    }

    static func checkChargeable(_ invoice: Invoice) throws {
        guard invoice.status == .pending || invoice.status == .overdue else {
            throw BillingError.conflict("only pending or overdue invoices can be charged (this one is \(invoice.status.rawValue))")
        }
        guard invoice.amountCents > 0 else { throw BillingError.conflict("an invoice of zero cannot be charged") }
        guard invoice.currency == "BRL" else { throw BillingError.conflict("the gateway charges BRL only (this invoice is in \(invoice.currency))") }
    }

    /// Creates (or adopts, when one already carries this invoice's id as its reference) the charge and stores its id.
    func attachCharge(_ gw: any PaymentGateway, _ invoice: Invoice, billingType: BillingType, action: String,
                      context: CallContext) throws -> (Invoice, GatewayCharge) {
        let customer = try ensureCustomer(tenantId: invoice.tenantId, context: context)
        let tenantCustomer = try database.read { try ChargeBinding.tenantCustomerId($0, tenantId: invoice.tenantId) }
        let adopted = try gw.findCharges(externalReference: invoice.id).first {
            !$0.deleted && ChargeBinding($0).mismatch(invoice: invoice, tenantCustomerId: tenantCustomer) == nil
        }
        let today = RFC3339.formatDate(clock.now())
        let charge = try adopted ?? gw.createCharge(GatewayChargeInput(
            customerId: customer, billingType: billingType, amountCents: invoice.amountCents,
            dueDate: max(invoice.dueDate, today), description: "Invoice \(invoice.number)", externalReference: invoice.id))
        let now = clock.now()
        let updated = try database.write { conn -> Invoice in
            guard var current = try InvoiceStore.find(conn, id: invoice.id, tenantId: invoice.tenantId, forUpdate: true) else {
                throw BillingError.notFound("invoice not found")
            }
            if current.externalPaymentId != nil { return current }
            current.externalPaymentId = charge.id
            current.externalInvoiceURL = charge.invoiceURL
            current.paymentMethod = billingType.rawValue.lowercased()
            current.updatedAt = now
            try InvoiceStore.update(conn, current)
            try AuditLog.record(conn, context, action: action, tenantId: current.tenantId, targetId: current.id,
                                changes: ["external_payment_id": .string(charge.id), "billing_type": .string(charge.billingType),
                                          "amount_cents": .int(charge.amountCents), "adopted": .bool(adopted != nil)], at: now)
            return current
        }
        return (updated, charge)
    }

    /// pending/overdue → paid with a `payment_success` notification (once per invoice, shared with webhooks and retries).
    func markPaid(_ invoice: Invoice, chargeId: String, method: String, action: String, context: CallContext) throws -> Invoice {
        let now = clock.now()
        return try database.write { conn -> Invoice in
            guard var current = try InvoiceStore.find(conn, id: invoice.id, tenantId: invoice.tenantId, forUpdate: true) else {
                throw BillingError.notFound("invoice not found")
            }
            guard current.status.canMove(to: .paid) else { return current }  // a webhook got there first
            let from = current.status
            current.status = .paid
            current.paidAt = now
            current.lastPaymentError = nil
            current.paymentMethod = method
            if current.externalPaymentId == nil { current.externalPaymentId = chargeId }
            current.updatedAt = now
            try InvoiceStore.update(conn, current)
            try PaymentNotices.paymentSuccess(conn, current, at: now)
            try AuditLog.record(conn, context, action: action, tenantId: current.tenantId, targetId: current.id,
                                changes: ["status": ["from": .string(from.rawValue), "to": "paid"], "external_payment_id": .string(chargeId)], at: now)
            return current
        }
    }

    /// Keeps the reason of a failed card payment on the invoice.
    func recordFailure(_ invoice: Invoice, reason: String, action: String, context: CallContext) throws {
        let now = clock.now()
        try database.write { conn in
            guard var current = try InvoiceStore.find(conn, id: invoice.id, tenantId: invoice.tenantId, forUpdate: true) else { return }
            current.lastPaymentError = String(reason.prefix(500))
            current.updatedAt = now
            try InvoiceStore.update(conn, current)
            try AuditLog.record(conn, context, action: action, tenantId: current.tenantId, targetId: current.id,
                                changes: ["failed": .bool(true), "reason": .string(String(reason.prefix(200)))], at: now)
        }
    }

    static func refundedCents(_ conn: Connection, _ invoiceId: String) throws -> Int64 {
        try conn.queryOne("SELECT refunded_cents FROM invoices WHERE id = ?", [.text(invoiceId)])?.decode(Int64.self, "refunded_cents") ?? 0
    }
}

/// `sync_asaas_customer` input; nil fields fall back to the tenant's name and billing e-mail.
public struct CustomerSyncInput: Sendable {
    public var name: String?
    public var cpfCnpj: String?
    public var email: String?
    public var phone: String?
    public var postalCode: String?
    public var addressNumber: String?

    public init() {}
}

public struct CustomerSyncResult: Sendable, Equatable {
    public let tenantId: String
    public let customerId: String
    /// False when the tenant was already linked or a customer with its reference was adopted.
    public let created: Bool
}

public struct ChargeOutcome: Sendable {
    public let invoice: Invoice
    public let charge: GatewayCharge
    /// For open PIX charges.
    public let pix: GatewayPixQRCode?
    /// True when the invoice had been charged before (nothing new was created).
    public let existing: Bool
}

public struct CardPaymentOutcome: Sendable {
    public let invoice: Invoice
    public let charge: GatewayCharge
    /// The saved card (token, brand, last 4), when asked for.
    public let paymentMethod: PaymentMethod?
}

public struct RefundOutcome: Sendable {
    public let invoice: Invoice
    public let charge: GatewayCharge
    public let refundedCents: Int64
    public let totalRefundedCents: Int64
}

/// At most one gateway operation per invoice at a time in this process (a second one gets 409 and retries).
/// The notifications of payment outcomes, with the dedupe keys every path shares (webhook, card payment, retry job).
enum PaymentNotices {
    static func paymentSuccess(_ conn: Connection, _ invoice: Invoice, at now: Date) throws {
        try NotificationWriter.insert(conn, tenantId: invoice.tenantId, type: .paymentSuccess, priority: .normal,
                                      subject: "Payment received for \(invoice.number)", message: "Invoice \(invoice.number) was paid.",
                                      metadata: ["invoice_id": .string(invoice.id), "invoice_number": .string(invoice.number),
                                                 "amount_cents": .int(invoice.amountCents)],
                                      dedupeKey: "payment_success:\(invoice.id)", at: now)
    }

    static func invoiceDue(_ conn: Connection, _ invoice: Invoice, at now: Date) throws {
        try NotificationWriter.insert(
            conn, tenantId: invoice.tenantId, type: .invoiceDue, priority: .high, subject: "Invoice \(invoice.number) is overdue",
            message: "Invoice \(invoice.number) for \(invoice.currency) \(Money.format(invoice.amountCents)) was due on \(invoice.dueDate).",
            metadata: ["invoice_id": .string(invoice.id), "invoice_number": .string(invoice.number)],
            dedupeKey: "invoice_due:\(invoice.id)", at: now)
    }

    static func paymentFailed(_ conn: Connection, _ invoice: Invoice, reason: String, occasion: String, at now: Date) throws {
        try NotificationWriter.insert(conn, tenantId: invoice.tenantId, type: .paymentFailed, priority: .high,
                                      subject: "Payment failed for \(invoice.number)",
                                      message: "A payment of invoice \(invoice.number) failed: \(reason).",
                                      metadata: ["invoice_id": .string(invoice.id), "invoice_number": .string(invoice.number)],
                                      dedupeKey: "payment_failed:\(invoice.id):\(occasion)", at: now)
    }
}
