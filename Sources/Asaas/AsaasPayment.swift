import Support

/// Fields for creating (`customer`, `billingType`, `valueCents`, `dueDate` required) or updating a
/// charge; nil fields are not sent.
public struct AsaasPaymentInput: Sendable {
    public var customer: String?
    public var billingType: AsaasBillingType?
    /// The amount in cents, sent as an exact decimal (`value`).
    public var valueCents: Int64?
    /// `YYYY-MM-DD`; not in the past.
    public var dueDate: String?
    public var description: String?
    /// Our invoice id; makes a timed-out create recoverable.
    public var externalReference: String?
    public var installmentCount: Int?
    public var daysAfterDueDateToRegistrationCancellation: Int?
    public var postalService: Bool?
    /// Card data or token to charge inline (CREDIT_CARD only; the call then uses the card timeout).
    public var card: AsaasCardPayment?
    public var callbackSuccessUrl: String?

    public init(customer: String? = nil, billingType: AsaasBillingType? = nil, valueCents: Int64? = nil,
                dueDate: String? = nil, description: String? = nil, externalReference: String? = nil,
                installmentCount: Int? = nil, daysAfterDueDateToRegistrationCancellation: Int? = nil,
                postalService: Bool? = nil, card: AsaasCardPayment? = nil, callbackSuccessUrl: String? = nil) {
        self.customer = customer
        self.billingType = billingType
        self.valueCents = valueCents
        self.dueDate = dueDate
        self.description = description
        self.externalReference = externalReference
        self.installmentCount = installmentCount
        self.daysAfterDueDateToRegistrationCancellation = daysAfterDueDateToRegistrationCancellation
        self.postalService = postalService
        self.card = card
        self.callbackSuccessUrl = callbackSuccessUrl
    }

    var body: AsaasBody {
        var body = AsaasBody()
        body.set("customer", customer)
        body.set("billingType", billingType?.rawValue)
        body.setMoney("value", cents: valueCents)
        body.set("dueDate", dueDate)
        body.set("description", description)
        body.set("externalReference", externalReference)
        body.set("installmentCount", installmentCount)
        body.set("daysAfterDueDateToRegistrationCancellation", daysAfterDueDateToRegistrationCancellation)
        body.set("postalService", postalService)
        if let callbackSuccessUrl { body["callback"] = ["successUrl": .string(callbackSuccessUrl)] }
        card?.apply(to: &body)
        return body
    }
}

/// One refund of a charge.
public struct AsaasRefund: Sendable, Equatable {
    public var valueCents: Int64?
    /// `PENDING`, `DONE`, `CANCELLED`, …
    public var status: String?
    public var dateCreated: String?
    public var description: String?

    init(json: JSON) {
        valueCents = AsaasMoney.cents(json["value"])
        status = json.string("status")
        dateCreated = json.string("dateCreated")
        description = json.string("description")
    }
}

/// An Asaas charge (`object: "payment"`); `raw` keeps every field as received.
public struct AsaasPayment: Sendable, Equatable {
    public var id: String
    public var customer: String?
    public var status: AsaasPaymentStatus
    public var billingType: AsaasBillingType
    public var valueCents: Int64
    public var netValueCents: Int64?
    public var dueDate: String?
    public var description: String?
    public var externalReference: String?
    public var subscription: String?
    /// The hosted payment page.
    public var invoiceUrl: String?
    /// The boleto PDF (BOLETO charges).
    public var bankSlipUrl: String?
    public var confirmedDate: String?
    public var paymentDate: String?
    public var clientPaymentDate: String?
    public var dateCreated: String?
    public var deleted: Bool
    /// Token, brand and last four digits of the card that paid (card charges).
    public var creditCard: AsaasCardToken?
    public var refunds: [AsaasRefund]
    public var raw: JSON

    public init(json: JSON) throws(AsaasError) {
        id = try json.requiredString("id", in: "payment")
        guard let value = AsaasMoney.cents(json["value"]) else { throw .invalidResponse("payment without value") }
        valueCents = value
        customer = json.string("customer")
        status = AsaasPaymentStatus(json.string("status") ?? "PENDING")
        billingType = AsaasBillingType(json.string("billingType") ?? "UNDEFINED")
        netValueCents = AsaasMoney.cents(json["netValue"])
        dueDate = json.string("dueDate")
        description = json.string("description")
        externalReference = json.string("externalReference")
        subscription = json.string("subscription")
        invoiceUrl = json.string("invoiceUrl")
        bankSlipUrl = json.string("bankSlipUrl")
        confirmedDate = json.string("confirmedDate")
        paymentDate = json.string("paymentDate")
        clientPaymentDate = json.string("clientPaymentDate")
        dateCreated = json.string("dateCreated")
        deleted = json.bool("deleted") ?? false
        creditCard = AsaasCardToken(json: json["creditCard"])
        refunds = json["refunds"]?.arrayValue?.map(AsaasRefund.init(json:)) ?? []
        raw = json
    }
}

/// Filters for `GET /payments`; nil filters are not sent. Dates are `YYYY-MM-DD`.
public struct AsaasPaymentFilter: Sendable {
    public var customer: String?
    public var billingType: AsaasBillingType?
    public var status: AsaasPaymentStatus?
    public var subscription: String?
    public var externalReference: String?
    public var dueDateFrom: String?
    public var dueDateTo: String?
    public var dateCreatedFrom: String?
    public var dateCreatedTo: String?
    public var paymentDateFrom: String?
    public var paymentDateTo: String?
    public var offset: Int?
    /// 1…100 (Asaas's default is 10).
    public var limit: Int?

    public init(customer: String? = nil, billingType: AsaasBillingType? = nil, status: AsaasPaymentStatus? = nil,
                subscription: String? = nil, externalReference: String? = nil, dueDateFrom: String? = nil,
                dueDateTo: String? = nil, dateCreatedFrom: String? = nil, dateCreatedTo: String? = nil,
                paymentDateFrom: String? = nil, paymentDateTo: String? = nil, offset: Int? = nil, limit: Int? = nil) {
        self.customer = customer
        self.billingType = billingType
        self.status = status
        self.subscription = subscription
        self.externalReference = externalReference
        self.dueDateFrom = dueDateFrom
        self.dueDateTo = dueDateTo
        self.dateCreatedFrom = dateCreatedFrom
        self.dateCreatedTo = dateCreatedTo
        self.paymentDateFrom = paymentDateFrom
        self.paymentDateTo = paymentDateTo
        self.offset = offset
        self.limit = limit
    }

    /// Range filters use Asaas's literal bracket names (`dueDate[ge]`).
    var query: [(String, String)] {
        var q: [(String, String)] = []
        func add(_ name: String, _ value: String?) { if let value { q.append((name, value)) } }
        add("customer", customer)
        add("billingType", billingType?.rawValue)
        add("status", status?.rawValue)
        add("subscription", subscription)
        add("externalReference", externalReference)
        add("dueDate[ge]", dueDateFrom)
        add("dueDate[le]", dueDateTo)
        add("dateCreated[ge]", dateCreatedFrom)
        add("dateCreated[le]", dateCreatedTo)
        add("paymentDate[ge]", paymentDateFrom)
        add("paymentDate[le]", paymentDateTo)
        add("offset", offset.map(String.init))
        add("limit", limit.map(String.init))
        return q
    }
}

/// A Pix QR code for a charge: a base64 PNG, the EMV "copia e cola" payload and its expiry
/// (`YYYY-MM-DD HH:mm:ss`).
public struct AsaasPixQrCode: Sendable, Equatable {
    public var encodedImage: String
    public var payload: String
    public var expirationDate: String?
}

extension AsaasClient {
    /// `POST /payments`. Never retried blindly: on a timeout the charge is first looked up by
    /// `externalReference`. With inline card data the card timeout applies.
    public func createPayment(_ p: AsaasPaymentInput) throws(AsaasError) -> AsaasPayment {
        try create("/payments", body: p.body, externalReference: p.externalReference,
                   timeout: p.card == nil ? nil : configuration.cardTimeout,
                   lookup: { (reference: String) throws(AsaasError) -> AsaasPayment? in
                       try self.listPayments(AsaasPaymentFilter(externalReference: reference, limit: 100)).data.first
                   },
                   decode: { (json: JSON) throws(AsaasError) -> AsaasPayment in try AsaasPayment(json: json) })
    }

    /// `GET /payments/{id}`.
    public func getPayment(id: String) throws(AsaasError) -> AsaasPayment {
        try AsaasPayment(json: perform("GET", Self.path("payments", id)))
    }

    /// `PUT /payments/{id}` (only PENDING or OVERDUE charges; the customer cannot change).
    public func updatePayment(id: String, _ p: AsaasPaymentInput) throws(AsaasError) -> AsaasPayment {
        try AsaasPayment(json: perform("PUT", Self.path("payments", id), body: p.body))
    }

    /// `DELETE /payments/{id}` (only PENDING or OVERDUE charges).
    public func deletePayment(id: String) throws(AsaasError) {
        _ = try perform("DELETE", Self.path("payments", id))
    }

    /// `GET /payments` with filters; newest first.
    public func listPayments(_ filter: AsaasPaymentFilter) throws(AsaasError) -> AsaasList<AsaasPayment> {
        try AsaasList.decode(perform("GET", "/payments", query: filter.query)) { (item: JSON) throws(AsaasError) in
            try AsaasPayment(json: item)
        }
    }

    /// `POST /payments/{id}/refund`; nil `valueCents` refunds the whole amount.
    public func refundPayment(id: String, valueCents: Int64?, description: String?) throws(AsaasError) -> AsaasPayment {
        var body = AsaasBody()
        body.setMoney("value", cents: valueCents)
        body.set("description", description)
        return try AsaasPayment(json: perform("POST", Self.path("payments", id, "/refund"), body: body))
    }

    /// `GET /payments/{id}/pixQrCode`.
    public func pixQrCode(paymentId: String) throws(AsaasError) -> AsaasPixQrCode {
        let json = try perform("GET", Self.path("payments", paymentId, "/pixQrCode"))
        guard let image = json.string("encodedImage"), let payload = json.string("payload") else {
            throw .invalidResponse("pixQrCode without encodedImage/payload")
        }
        return AsaasPixQrCode(encodedImage: image, payload: payload, expirationDate: json.string("expirationDate"))
    }
}
