import Foundation

/// The payment gateway as the billing domain sees it (Asaas in production, see `AdminAPI/Gateway`).
///
/// Billing never imports the gateway's client: it talks to this protocol with domain values, and the
/// implementation maps them to the wire. Calls block (network), so they run on worker threads and never
/// inside a database transaction. Every method throws `GatewayError`.
public protocol PaymentGateway: Sendable {
    /// Customers whose `externalReference` is `reference` (our tenant id), oldest first.
    func findCustomers(externalReference: String) throws -> [GatewayCustomer]
    func createCustomer(_ input: GatewayCustomerInput) throws -> GatewayCustomer
    /// Creates a charge; a timed-out create is looked up by `externalReference` before any retry.
    func createCharge(_ input: GatewayChargeInput) throws -> GatewayCharge
    /// Non-deleted charges whose `externalReference` is `reference` (our invoice id), newest first.
    func findCharges(externalReference: String) throws -> [GatewayCharge]
    func getCharge(id: String) throws -> GatewayCharge
    func pixQRCode(chargeId: String) throws -> GatewayPixQRCode
    /// Exchanges card data (memory only) for a reusable token bound to `customerId`.
    func tokenizeCard(customerId: String, card: CardDetails, holder: CardHolder, remoteIP: String) throws -> GatewayCardToken
    /// Pays an open charge with a stored card token.
    func payWithCardToken(chargeId: String, token: String, remoteIP: String?) throws -> GatewayCharge
    /// Refunds `amountCents` (nil = the whole remaining amount).
    func refund(chargeId: String, amountCents: Int64?, description: String?) throws -> GatewayCharge
    /// The gateway account's balance in cents.
    func balanceCents() throws -> Int64
}

/// Why a gateway call failed; `AdminAPI` maps these to 502 / 504 / 503 in one place.
public enum GatewayError: Error, Sendable, Equatable {
    /// The gateway refused the call (`code` and `description` are its own, e.g. `invalid_action`).
    case rejected(status: Int, code: String, description: String)
    /// No answer in time (the call may still have taken effect on the gateway's side).
    case timeout
    /// The gateway could not be reached (DNS, connect, TLS).
    case unreachable(String)
    /// The gateway answered with something we cannot read.
    case invalidResponse(String)
    /// The integration is switched off (`ASAAS_ENABLED=false`) or not configured.
    case disabled

    /// A short, secret-free reason for `last_payment_error` and notifications.
    public var reason: String {
        switch self {
        case .rejected(_, let code, let description): "\(code): \(description)"
        case .timeout: "the gateway did not answer in time"
        case .unreachable: "the gateway could not be reached"
        case .invalidResponse: "the gateway answered with an unreadable response"
        case .disabled: "the payment gateway is disabled"
        }
    }
}

/// How a charge is to be paid (Asaas `billingType`).
public enum BillingType: String, Sendable, CaseIterable {
    case boleto = "BOLETO"
    case pix = "PIX"
    case creditCard = "CREDIT_CARD"
    /// The payer chooses on the gateway's invoice page.
    case undefined = "UNDEFINED"
}

public struct GatewayCustomerInput: Sendable {
    public var name: String
    public var cpfCnpj: String?
    public var email: String?
    public var phone: String?
    public var postalCode: String?
    public var addressNumber: String?
    /// Our tenant id.
    public var externalReference: String

    public init(name: String, cpfCnpj: String? = nil, email: String? = nil, phone: String? = nil, postalCode: String? = nil,
                addressNumber: String? = nil, externalReference: String) {
        self.name = name
        self.cpfCnpj = cpfCnpj
        self.email = email
        self.phone = phone
        self.postalCode = postalCode
        self.addressNumber = addressNumber
        self.externalReference = externalReference
    }
}

public struct GatewayCustomer: Sendable, Equatable {
    public var id: String
    public var name: String?
    public var email: String?
    public var externalReference: String?
    public var deleted: Bool

    public init(id: String, name: String?, email: String?, externalReference: String?, deleted: Bool) {
        self.id = id
        self.name = name
        self.email = email
        self.externalReference = externalReference
        self.deleted = deleted
    }
}

public struct GatewayChargeInput: Sendable {
    public var customerId: String
    public var billingType: BillingType
    public var amountCents: Int64
    /// `YYYY-MM-DD`, not in the past.
    public var dueDate: String
    public var description: String?
    /// Our invoice id.
    public var externalReference: String

    public init(customerId: String, billingType: BillingType, amountCents: Int64, dueDate: String, description: String?,
                externalReference: String) {
        self.customerId = customerId
        self.billingType = billingType
        self.amountCents = amountCents
        self.dueDate = dueDate
        self.description = description
        self.externalReference = externalReference
    }
}

/// A charge as the gateway reports it.
public struct GatewayCharge: Sendable, Equatable {
    public var id: String
    public var customerId: String?
    /// Gateway status text (`PENDING`, `CONFIRMED`, `RECEIVED`, `OVERDUE`, `REFUNDED`, …).
    public var status: String
    /// Gateway billing type text (may be a value we never send, e.g. `DEBIT_CARD`).
    public var billingType: String
    public var amountCents: Int64
    public var dueDate: String?
    public var externalReference: String?
    /// The gateway's payment page.
    public var invoiceURL: String?
    /// The boleto PDF (BOLETO and UNDEFINED charges).
    public var bankSlipURL: String?
    public var deleted: Bool
    /// Sum of the refunds recorded on the charge.
    public var refundedCents: Int64
    public var cardBrand: String?
    public var cardLast4: String?

    public init(id: String, customerId: String?, status: String, billingType: String, amountCents: Int64, dueDate: String?,
                externalReference: String?, invoiceURL: String?, bankSlipURL: String?, deleted: Bool, refundedCents: Int64 = 0,
                cardBrand: String? = nil, cardLast4: String? = nil) {
        self.id = id
        self.customerId = customerId
        self.status = status
        self.billingType = billingType
        self.amountCents = amountCents
        self.dueDate = dueDate
        self.externalReference = externalReference
        self.invoiceURL = invoiceURL
        self.bankSlipURL = bankSlipURL
        self.deleted = deleted
        self.refundedCents = refundedCents
        self.cardBrand = cardBrand
        self.cardLast4 = cardLast4
    }

    /// CONFIRMED, RECEIVED or RECEIVED_IN_CASH: the payer has paid.
    public var isPaid: Bool { ["CONFIRMED", "RECEIVED", "RECEIVED_IN_CASH"].contains(status) }
    /// Still payable (PENDING or OVERDUE).
    public var isOpen: Bool { !deleted && (status == "PENDING" || status == "OVERDUE") }
}

/// A PIX QR code: the image (base64 PNG) and the "copia e cola" payload.
public struct GatewayPixQRCode: Sendable, Equatable {
    public var encodedImage: String
    public var payload: String
    public var expirationDate: String?

    public init(encodedImage: String, payload: String, expirationDate: String?) {
        self.encodedImage = encodedImage
        self.payload = payload
        self.expirationDate = expirationDate
    }
}

/// A card token and what may be shown about the card.
public struct GatewayCardToken: Sendable, Equatable {
    public var token: String
    public var brand: String
    public var last4: String

    public init(token: String, brand: String, last4: String) {
        self.token = token
        self.brand = brand
        self.last4 = last4
    }
}
