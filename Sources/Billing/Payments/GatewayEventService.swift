import Foundation
import Storage
import Support

/// Gateway webhook events: stored first (unique by event id), then applied to the matching invoice.
///
/// Applying never moves an invoice backwards: each event maps to one forward transition and is ignored
/// when the invoice is already past it (RECEIVED after REFUNDED leaves it refunded). Notifications use
/// the dedupe keys of the other payment paths, so a webhook and a card payment or retry of the same
/// invoice notify once.
public struct GatewayEventService: Sendable {
    let database: Database
    let clock: any WallClock

    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    /// The principal recorded in the audit trail for changes made by webhooks.
    static let context = CallContext(principal: Principal(kind: .system, id: "asaas-webhook", role: .superAdmin, tenantId: nil,
                                                          displayName: "Asaas webhook"))

    /// Durably stores a delivery; a second delivery of the same event id only bumps `redeliveries`.
    public func receive(_ input: GatewayEventInput) throws -> GatewayEventReceipt {
        let now = clock.now()
        let id = UUIDv7.make(at: now)
        return try database.write { conn in
            let inserted = try conn.run("""
                INSERT INTO gateway_events (id, provider, event_id, event_type, payment_id, external_reference, payment_status,
                    payment_customer_id, payment_value_cents, status, payload, received_at)
                VALUES (?, 'asaas', ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?)
                ON CONFLICT (event_id) DO NOTHING
                """, [.text(id), .text(input.eventId), .text(input.eventType), SQLValue(input.paymentId), SQLValue(input.externalReference),
                      SQLValue(input.paymentStatus), SQLValue(input.paymentCustomerId), input.paymentValueCents.map(SQLValue.integer) ?? .null,
                      .text(input.payload), .text(StoredTime.format(now))])
            if inserted > 0 { return .stored(id) }
            try conn.run("UPDATE gateway_events SET redeliveries = redeliveries + 1 WHERE event_id = ?", [.text(input.eventId)])
            let existing = try conn.queryOne("SELECT id FROM gateway_events WHERE event_id = ?", [.text(input.eventId)])?.decode(String.self, "id")
            return .duplicate(existing ?? "")
        }
    }

    /// Applies a stored event once (a no-op unless it is still `received`); returns the event afterwards.
    @discardableResult
    public func apply(id: String) throws -> GatewayEvent? {
        try applyStored(id: id)
        return try database.read { try Self.find($0, id: id) }
    }

    /// Applies a stored event once, recording a failure (a corrupt row included) as the event's `error`.
    private func applyStored(id: String) throws {
        let now = clock.now()
        do {
            try database.write { conn in
                guard let event = try Self.find(conn, id: id, forUpdate: true), event.status == .received else { return }
                let outcome = try Self.applyEvent(conn, event, at: now)
                try conn.run("""
                    UPDATE gateway_events SET status = ?, result = ?, tenant_id = ?, invoice_id = ?, processed_at = ? WHERE id = ?
                    """, [.text(outcome.status.rawValue), .text(outcome.result), SQLValue(outcome.invoice?.tenantId),
                          SQLValue(outcome.invoice?.id), .text(StoredTime.format(now)), .text(id)])
            }
        } catch {
            // The transaction rolled back; record the failure in a second one (the event stays visible, not lost).
            let message = String(String(describing: error).prefix(500))
            try database.write { conn in
                try conn.run("UPDATE gateway_events SET status = 'error', error = ?, processed_at = ? WHERE id = ? AND status = 'received'",
                             [.text(message), .text(StoredTime.format(now)), .text(id)])
            }
        }
    }

    /// Applies every event stored but not applied (startup repair after a crash); returns how many.
    @discardableResult
    public func applyPending() throws -> Int {
        var applied = 0
        while true {
            let ids = try database.read { conn in
                try conn.query("SELECT id FROM gateway_events WHERE status = 'received' ORDER BY received_at, id LIMIT 200").map { try $0.decode(String.self, "id") }
            }
            if ids.isEmpty { return applied }
            // Not `apply(id:)`: its read-back of an event whose row is corrupt would throw after the failure was recorded.
            for id in ids { try applyStored(id: id) }
            applied += ids.count
        }
    }

    public func list(_ q: GatewayEventQuery) throws -> (items: [GatewayEvent], total: Int) {
        var conditions: [String] = []
        var args: [SQLValue] = []
        if let s = q.status { conditions.append("status = ?"); args.append(.text(s.rawValue)) }
        if let e = q.eventType { conditions.append("event_type = ?"); args.append(.text(e)) }
        if let t = q.tenantId { conditions.append("tenant_id = ?"); args.append(.text(t)) }
        if let i = q.invoiceId { conditions.append("invoice_id = ?"); args.append(.text(i)) }
        if let p = q.paymentId { conditions.append("payment_id = ?"); args.append(.text(p)) }
        if let s = q.since { conditions.append("received_at >= ?"); args.append(.text(StoredTime.format(s))) }
        if let u = q.until { conditions.append("received_at < ?"); args.append(.text(StoredTime.format(u))) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { conn in
            let total = int64(of: try conn.scalar("SELECT count(*) FROM gateway_events \(filter)", args)) ?? 0
            let rows = try conn.query("SELECT * FROM gateway_events \(filter) ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?",
                                      args + [.integer(Int64(q.limit)), .integer(Int64(q.offset))])
            return (try rows.map(Self.decode), Int(total))
        }
    }

    // MARK: - Applying

    struct Outcome {
        let status: GatewayEvent.Status
        let result: String
        let invoice: Invoice?
    }

    /// Event types that change an invoice; only these are checked against it (and held when they do not match).
    static let actionable: Set<String> = ["PAYMENT_CONFIRMED", "PAYMENT_RECEIVED", "PAYMENT_OVERDUE", "PAYMENT_REFUNDED", "PAYMENT_DELETED",
                                          "PAYMENT_CREDIT_CARD_CAPTURE_REFUSED", "PAYMENT_REPROVED_BY_RISK_ANALYSIS"]

    static func applyEvent(_ conn: Connection, _ event: GatewayEvent, at now: Date) throws -> Outcome {
        guard event.eventType.hasPrefix("PAYMENT_") else { return Outcome(status: .ignored, result: "not a payment event", invoice: nil) }
        // The payment id is unique among invoices (migration 008); the reference is the invoice id our charges carry.
        let byPayment = try event.paymentId.flatMap {
            try conn.queryOne("SELECT * FROM invoices WHERE external_payment_id = ?" + rowLock(conn), [.text($0)]).map(InvoiceStore.decode)
        }
        let byReference = try event.externalReference.flatMap { reference -> Invoice? in
            guard UUIDv7.isValid(reference) else { return nil }
            return try conn.queryOne("SELECT * FROM invoices WHERE id = ?" + rowLock(conn), [.text(reference.lowercased())]).map(InvoiceStore.decode)
        }
        if let byPayment, let byReference, byPayment.id != byReference.id {
            return try hold(conn, event, byPayment, reason: "the payment is recorded on invoice \(byPayment.id) but its externalReference names invoice \(byReference.id)", at: now)
        }
        guard var inv = byPayment ?? byReference else {
            return Outcome(status: .ignored, result: "no invoice matches this payment", invoice: nil)
        }
        if byPayment == nil, let charged = inv.externalPaymentId, let payment = event.paymentId, charged != payment {
            return Outcome(status: .ignored, result: "the invoice is charged by \(charged), not \(payment)", invoice: inv)
        }
        if actionable.contains(event.eventType) {
            let binding = ChargeBinding(customerId: event.paymentCustomerId, externalReference: event.externalReference,
                                        valueCents: event.paymentValueCents)
            if let why = binding.mismatch(invoice: inv, tenantCustomerId: try ChargeBinding.tenantCustomerId(conn, tenantId: inv.tenantId)) {
                return try hold(conn, event, inv, reason: why, at: now)
            }
        }
        let from = inv.status
        func move(to next: Invoice.Status, action: String = "apply_gateway_event") throws {
            inv.status = next
            if next == .paid { inv.paidAt = now; inv.lastPaymentError = nil }
            if inv.externalPaymentId == nil, let payment = event.paymentId { inv.externalPaymentId = payment }
            inv.updatedAt = now
            try InvoiceStore.update(conn, inv)
        }
        func audit(_ to: Invoice.Status?) throws {
            var changes: JSONObject = ["event": .string(event.eventType), "event_id": .string(event.eventId)]
            if let to { changes["status"] = ["from": .string(from.rawValue), "to": .string(to.rawValue)] }
            try AuditLog.record(conn, context, action: "apply_gateway_event", tenantId: inv.tenantId, targetId: inv.id, changes: changes, at: now)
        }
        let ignored = { (why: String) in Outcome(status: .ignored, result: why, invoice: inv) }
        switch event.eventType {
        case "PAYMENT_CONFIRMED", "PAYMENT_RECEIVED":
            guard from.canMove(to: .paid) else { return ignored("the invoice is already \(from.rawValue)") }
            try move(to: .paid)
            try PaymentNotices.paymentSuccess(conn, inv, at: now)
            try audit(.paid)
            return Outcome(status: .applied, result: "invoice paid", invoice: inv)
        case "PAYMENT_OVERDUE":
            guard from == .pending else { return ignored("the invoice is already \(from.rawValue)") }
            try move(to: .overdue)
            try PaymentNotices.invoiceDue(conn, inv, at: now)
            try audit(.overdue)
            return Outcome(status: .applied, result: "invoice overdue", invoice: inv)
        case "PAYMENT_REFUNDED":
            switch from {
            case .paid:
                break
            case .pending, .overdue:
                // The refund overtook the payment event: it was paid, then refunded (both forward moves).
                try move(to: .paid)
            default:
                return ignored("the invoice is already \(from.rawValue)")
            }
            try move(to: .refunded)
            try conn.run("UPDATE invoices SET refunded_cents = amount_cents WHERE id = ?", [.text(inv.id)])
            try audit(.refunded)
            return Outcome(status: .applied, result: "invoice refunded", invoice: inv)
        case "PAYMENT_DELETED":
            guard from.canMove(to: .cancelled) else { return ignored("the invoice is already \(from.rawValue)") }
            try move(to: .cancelled)
            try audit(.cancelled)
            return Outcome(status: .applied, result: "invoice cancelled", invoice: inv)
        case "PAYMENT_CREDIT_CARD_CAPTURE_REFUSED", "PAYMENT_REPROVED_BY_RISK_ANALYSIS":
            guard from == .pending || from == .overdue else { return ignored("the invoice is already \(from.rawValue)") }
            let reason = event.eventType == "PAYMENT_REPROVED_BY_RISK_ANALYSIS" ? "reproved by the risk analysis" : "the card capture was refused"
            inv.lastPaymentError = reason
            inv.updatedAt = now
            try InvoiceStore.update(conn, inv)
            try PaymentNotices.paymentFailed(conn, inv, reason: reason, occasion: event.eventId, at: now)
            try audit(nil)
            return Outcome(status: .applied, result: "payment_failed notified", invoice: inv)
        default:
            return ignored("\(event.eventType) needs no action")
        }
    }

    /// Keeps an event that does not match its invoice unapplied, with an operator alert (once per event).
    static func hold(_ conn: Connection, _ event: GatewayEvent, _ invoice: Invoice, reason: String, at now: Date) throws -> Outcome {
        try OperatorAlertStore.raise(conn, kind: .gatewayEventHeld, subject: "Gateway event \(event.eventType) held",
                                     message: "Event \(event.eventId) was stored but not applied: \(reason).", tenantId: invoice.tenantId,
                                     invoiceId: invoice.id,
                                     metadata: ["event_id": .string(event.eventId), "gateway_event_id": .string(event.id),
                                                "payment_id": JSON(event.paymentId), "reason": .string(reason)],
                                     dedupeKey: "gateway_event_held:\(event.id)", at: now)
        return Outcome(status: .held, result: "held: \(reason)", invoice: invoice)
    }

    // MARK: - Rows

    /// `forUpdate` when applying: two instances applying the same stored event take turns, and the second sees it applied.
    static func find(_ conn: Connection, id: String, forUpdate: Bool = false) throws -> GatewayEvent? {
        try conn.queryOne("SELECT * FROM gateway_events WHERE id = ?" + (forUpdate ? rowLock(conn) : ""), [.text(id)]).map(decode)
    }

    /// A `gateway_events` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> GatewayEvent {
        GatewayEvent(id: try r.decode(String.self, "id"), provider: try r.decode(String.self, "provider"),
                     eventId: try r.decode(String.self, "event_id"), eventType: try r.decode(String.self, "event_type"),
                     paymentId: try r.decodeIfPresent(String.self, "payment_id"),
                     externalReference: try r.decodeIfPresent(String.self, "external_reference"),
                     paymentStatus: try r.decodeIfPresent(String.self, "payment_status"),
                     paymentCustomerId: try r.decodeIfPresent(String.self, "payment_customer_id"),
                     paymentValueCents: try r.decodeIfPresent(Int64.self, "payment_value_cents"),
                     status: try r.decode(GatewayEvent.Status.self, "status"), result: try r.decodeIfPresent(String.self, "result"),
                     error: try r.decodeIfPresent(String.self, "error"), tenantId: try r.decodeIfPresent(String.self, "tenant_id"),
                     invoiceId: try r.decodeIfPresent(String.self, "invoice_id"),
                     payload: try r.decode(String.self, "payload"), redeliveries: try r.decode(Int.self, "redeliveries"),
                     receivedAt: try r.decodeTime("received_at"), processedAt: try r.decodeTimeIfPresent("processed_at"))
    }
}

extension GatewayEvent.Status: SQLDecodable {}
