import Support

/// Fields for creating (`customer`, `billingType`, `valueCents`, `nextDueDate`, `cycle` required) or
/// updating a subscription; nil fields are not sent.
public struct AsaasSubscriptionInput: Sendable {
    public var customer: String?
    public var billingType: AsaasBillingType?
    public var valueCents: Int64?
    /// `YYYY-MM-DD`: the due date of the first (or, on update, the next generated) charge.
    public var nextDueDate: String?
    public var cycle: AsaasCycle?
    public var description: String?
    public var endDate: String?
    public var maxPayments: Int?
    public var externalReference: String?
    /// Update only: `ACTIVE` or `INACTIVE`.
    public var status: String?
    /// Update only: apply a new value or billing type to already generated pending charges too.
    public var updatePendingPayments: Bool?
    public var card: AsaasCardPayment?

    public init(customer: String? = nil, billingType: AsaasBillingType? = nil, valueCents: Int64? = nil,
                nextDueDate: String? = nil, cycle: AsaasCycle? = nil, description: String? = nil, endDate: String? = nil,
                maxPayments: Int? = nil, externalReference: String? = nil, status: String? = nil,
                updatePendingPayments: Bool? = nil, card: AsaasCardPayment? = nil) {
        self.customer = customer
        self.billingType = billingType
        self.valueCents = valueCents
        self.nextDueDate = nextDueDate
        self.cycle = cycle
        self.description = description
        self.endDate = endDate
        self.maxPayments = maxPayments
        self.externalReference = externalReference
        self.status = status
        self.updatePendingPayments = updatePendingPayments
        self.card = card
    }

    var body: AsaasBody {
        var body = AsaasBody()
        body.set("customer", customer)
        body.set("billingType", billingType?.rawValue)
        body.setMoney("value", cents: valueCents)
        body.set("nextDueDate", nextDueDate)
        body.set("cycle", cycle?.rawValue)
        body.set("description", description)
        body.set("endDate", endDate)
        body.set("maxPayments", maxPayments)
        body.set("externalReference", externalReference)
        body.set("status", status)
        body.set("updatePendingPayments", updatePendingPayments)
        card?.apply(to: &body)
        return body
    }
}

/// An Asaas subscription (`object: "subscription"`); `raw` keeps every field as received.
public struct AsaasSubscription: Sendable, Equatable {
    public var id: String
    public var customer: String?
    public var billingType: AsaasBillingType
    public var valueCents: Int64
    public var nextDueDate: String?
    public var cycle: AsaasCycle?
    /// `ACTIVE`, `EXPIRED` or `INACTIVE`.
    public var status: String?
    public var description: String?
    public var externalReference: String?
    public var deleted: Bool
    public var dateCreated: String?
    public var raw: JSON

    public init(json: JSON) throws(AsaasError) {
        id = try json.requiredString("id", in: "subscription")
        guard let value = AsaasMoney.cents(json["value"]) else { throw .invalidResponse("subscription without value") }
        valueCents = value
        customer = json.string("customer")
        billingType = AsaasBillingType(json.string("billingType") ?? "UNDEFINED")
        nextDueDate = json.string("nextDueDate")
        cycle = json.string("cycle").map(AsaasCycle.init(_:))
        status = json.string("status")
        description = json.string("description")
        externalReference = json.string("externalReference")
        deleted = json.bool("deleted") ?? false
        dateCreated = json.string("dateCreated")
        raw = json
    }
}

extension AsaasClient {
    /// `POST /subscriptions` (the first charge is created with it). On a timeout the subscription is
    /// first looked up by `externalReference`.
    public func createSubscription(_ s: AsaasSubscriptionInput) throws(AsaasError) -> AsaasSubscription {
        try create("/subscriptions", body: s.body, externalReference: s.externalReference,
                   timeout: s.card == nil ? nil : configuration.cardTimeout,
                   lookup: { (reference: String) throws(AsaasError) -> AsaasSubscription? in
                       let json = try self.perform("GET", "/subscriptions",
                                                   query: [("externalReference", reference), ("limit", "100")])
                       return try AsaasList.decode(json) { (item: JSON) throws(AsaasError) in
                           try AsaasSubscription(json: item)
                       }.data.first
                   },
                   decode: { (json: JSON) throws(AsaasError) -> AsaasSubscription in try AsaasSubscription(json: json) })
    }

    /// `GET /subscriptions/{id}`.
    public func getSubscription(id: String) throws(AsaasError) -> AsaasSubscription {
        try AsaasSubscription(json: perform("GET", Self.path("subscriptions", id)))
    }

    /// `PUT /subscriptions/{id}`.
    public func updateSubscription(id: String, _ s: AsaasSubscriptionInput) throws(AsaasError) -> AsaasSubscription {
        try AsaasSubscription(json: perform("PUT", Self.path("subscriptions", id), body: s.body))
    }

    /// `DELETE /subscriptions/{id}` (Asaas removes its pending charges too).
    public func deleteSubscription(id: String) throws(AsaasError) {
        _ = try perform("DELETE", Self.path("subscriptions", id))
    }

    /// `GET /subscriptions/{id}/payments`: the charges generated for a subscription.
    public func subscriptionPayments(id: String) throws(AsaasError) -> AsaasList<AsaasPayment> {
        try AsaasList.decode(perform("GET", Self.path("subscriptions", id, "/payments"), query: [("limit", "100")])) {
            (item: JSON) throws(AsaasError) in try AsaasPayment(json: item)
        }
    }
}
