import Foundation
import Support

/// A bill: numbered `INV-YYYY-NNNNNN`, its amount always the sum of its lines.
public struct Invoice: Sendable, Equatable {
    /// The status machine of SPEC §7: only forward moves.
    public enum Status: String, Sendable, CaseIterable {
        case draft, pending, paid, overdue, cancelled, refunded

        /// Where each status may go (`draft → cancelled` voids a draft that was never sent).
        public var successors: Set<Status> {
            switch self {
            case .draft: [.pending, .cancelled]
            case .pending: [.paid, .overdue, .cancelled]
            case .overdue: [.paid, .cancelled]
            case .paid: [.refunded]
            case .cancelled, .refunded: []
            }
        }

        public func canMove(to next: Status) -> Bool { successors.contains(next) }
    }

    public let id: String
    public let tenantId: String
    public let subscriptionId: String?
    public let number: String
    public var status: Status
    public let currency: String
    public let amountCents: Int64
    public let lines: [InvoiceLine]
    /// For subscription invoices: the period whose price this bills (the exactly-once key).
    public let periodStart: Date?
    public let periodEnd: Date?
    /// `YYYY-MM-DD`.
    public var dueDate: String
    public let issuedAt: Date
    public var paidAt: Date?
    public var billingDetails: JSONObject?
    public var notes: String?
    public var paymentMethod: String?
    public var externalPaymentId: String?
    public var externalInvoiceURL: String?
    public var paymentAttempts: Int
    public var lastPaymentError: String?
    public let createdAt: Date
    public var updatedAt: Date
}

/// One line: `quantity × unit price = amount`, or a bare amount (credits and adjustments may be negative).
public struct InvoiceLine: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case base, overage, proration, credit, manual
    }

    public var kind: Kind
    public var description: String
    public var quantity: Int64
    public var unitAmountCents: Int64?
    public var unitPriceMicros: Int64?
    public var amountCents: Int64

    public init(kind: Kind, description: String, quantity: Int64 = 1, unitAmountCents: Int64? = nil, unitPriceMicros: Int64? = nil, amountCents: Int64) {
        self.kind = kind
        self.description = description
        self.quantity = quantity
        self.unitAmountCents = unitAmountCents
        self.unitPriceMicros = unitPriceMicros
        self.amountCents = amountCents
    }
}

/// A line as a client sends it to `create_invoice`.
public struct InvoiceLineInput: Sendable {
    public var description: String?
    public var quantity: Int64?
    public var unitAmountCents: Int64?
    public var unitPriceMicros: Int64?
    public var amountCents: Int64?

    public init(description: String?, quantity: Int64?, unitAmountCents: Int64?, unitPriceMicros: Int64?, amountCents: Int64?) {
        self.description = description
        self.quantity = quantity
        self.unitAmountCents = unitAmountCents
        self.unitPriceMicros = unitPriceMicros
        self.amountCents = amountCents
    }
}

/// `create_invoice` input.
public struct InvoiceDraft: Sendable {
    public var amountCents: Int64?
    public var dueDate: Date?
    public var currency: String?
    public var lineItems: [InvoiceLineInput]?
    public var billingDetails: JSONObject?
    public var notes: String?
    public var subscriptionId: String?
    /// `draft` or `pending` (default).
    public var status: Invoice.Status?

    public init() {}
}

/// `update_invoice` input; nil keeps the stored value.
public struct InvoiceUpdate: Sendable {
    public var status: Invoice.Status?
    public var paidAt: Date?
    public var dueDate: Date?
    public var notes: String??
    public var paymentMethod: String??
    public var externalPaymentId: String??
    public var externalInvoiceURL: String??
    public var billingDetails: JSONObject??

    public init() {}
}

/// Filters of `list_invoices`.
public struct InvoiceQuery: Sendable {
    public var status: Invoice.Status?
    public var since: Date?
    public var until: Date?
    public var subscriptionId: String?
    public var limit = 100
    public var offset = 0

    public init() {}
}

/// Fixed policy of issued invoices (not configurable yet).
public enum InvoicePolicy {
    /// Days from issue to due date for invoices the server issues itself.
    public static let dueDays = 7
}
