import Support

/// A customer as stored by the fake: the fields the client sent, kept as JSON.
struct FakeCustomer {
    static let fieldNames = ["name", "email", "company", "phone", "mobilePhone", "address", "addressNumber", "complement",
                             "province", "postalCode", "cpfCnpj", "additionalEmails", "externalReference",
                             "notificationDisabled", "observations", "municipalInscription", "stateInscription",
                             "groupName", "foreignCustomer"]
    var id: String
    var dateCreated: String
    var fields: JSONObject
    var deleted = false
    var seq: Int

    /// The key set captured from the sandbox (CONTRACT.md §4.1).
    var json: JSON {
        var o: JSONObject = ["object": "customer", "id": .string(id), "dateCreated": .string(dateCreated)]
        for key in ["name", "email", "company", "phone", "mobilePhone", "address", "addressNumber", "complement",
                    "province", "postalCode", "cpfCnpj"] {
            o[key] = fields[key] ?? .null
        }
        o["personType"] = .string(FakeDocument.personType(fields["cpfCnpj"]?.stringValue ?? ""))
        o["deleted"] = .bool(deleted)
        for key in ["additionalEmails", "externalReference"] { o[key] = fields[key] ?? .null }
        o["notificationDisabled"] = fields["notificationDisabled"] ?? .bool(false)
        for key in ["observations", "municipalInscription", "stateInscription", "groupName"] { o[key] = fields[key] ?? .null }
        o["canDelete"] = .bool(!deleted)
        o["cannotBeDeletedReason"] = .null
        o["canEdit"] = .bool(!deleted)
        o["cannotEditReason"] = .null
        o["city"] = .null
        o["cityName"] = .null
        o["state"] = .null
        o["country"] = "Brasil"
        return .object(o)
    }
}

/// A stored card token: it belongs to one customer.
struct FakeCardToken {
    var token: String
    var customer: String
    var last4: String
    var brand: String

    var json: JSON {
        ["creditCardNumber": .string(last4), "creditCardBrand": .string(brand), "creditCardToken": .string(token)]
    }
}

/// A charge as stored by the fake.
struct FakePayment {
    var id: String
    var customer: String
    var billingType: String
    var valueCents: Int64
    var dueDate: String
    var originalDueDate: String
    var dateCreated: String
    var description: String?
    var externalReference: String?
    var subscription: String?
    var invoiceNumber: String
    var status = "PENDING"
    var confirmedDate: String?
    var paymentDate: String?
    var clientPaymentDate: String?
    var creditDate: String?
    var estimatedCreditDate: String?
    var deleted = false
    var card: FakeCardToken?
    var refunds: [JSON] = []
    var refundedCents: Int64 = 0
    /// Whether the net value has been added to the balance.
    var credited = false
    var seq: Int

    /// Asaas's sandbox fees (CONTRACT.md §4.2): R$ 1.99 for Pix/boleto, R$ 0.49 + 2.99 % for cards.
    var feeCents: Int64 {
        billingType == "CREDIT_CARD" ? 49 + (valueCents * 299 + 5_000) / 10_000 : 199
    }
    var netValueCents: Int64 { max(0, valueCents - feeCents) }
    var isOpen: Bool { !deleted && (status == "PENDING" || status == "OVERDUE") }
    var isPaid: Bool { status == "CONFIRMED" || status == "RECEIVED" || status == "RECEIVED_IN_CASH" }
    var shortId: String { String(id.dropFirst(4)) }

    /// The key set captured for a PIX charge, plus the BOLETO and CREDIT_CARD extras (CONTRACT.md §4.2).
    func json(base: String) -> JSON {
        var o: JSONObject = ["object": "payment", "id": .string(id), "dateCreated": .string(dateCreated),
                             "customer": .string(customer)]
        if let subscription { o["subscription"] = .string(subscription) }
        o["checkoutSession"] = .null
        o["paymentLink"] = .null
        o["value"] = FakeMoney.json(valueCents)
        o["netValue"] = FakeMoney.json(netValueCents)
        o["originalValue"] = .null
        o["interestValue"] = .null
        o["description"] = JSON(description)
        o["billingType"] = .string(billingType)
        if billingType == "CREDIT_CARD" {
            o["confirmedDate"] = JSON(confirmedDate)
            o["creditCard"] = card?.json ?? .null
        }
        if billingType == "BOLETO" { o["canBePaidAfterDueDate"] = true }
        o["pixTransaction"] = .null
        o["status"] = .string(status)
        o["dueDate"] = .string(dueDate)
        o["originalDueDate"] = .string(originalDueDate)
        o["paymentDate"] = JSON(paymentDate)
        o["clientPaymentDate"] = JSON(clientPaymentDate)
        o["installmentNumber"] = .null
        o["invoiceUrl"] = .string("\(base)/i/\(shortId)")
        o["invoiceNumber"] = .string(invoiceNumber)
        o["externalReference"] = JSON(externalReference)
        o["deleted"] = .bool(deleted)
        o["anticipated"] = false
        o["anticipable"] = false
        o["creditDate"] = JSON(creditDate)
        o["estimatedCreditDate"] = JSON(estimatedCreditDate)
        o["transactionReceiptUrl"] = isPaid ? .string("\(base)/comprovantes/\(shortId)") : .null
        o["nossoNumero"] = billingType == "BOLETO" ? .string(String(invoiceNumber.suffix(8))) : .null
        o["bankSlipUrl"] = billingType == "BOLETO" ? .string("\(base)/b/pdf/\(shortId)") : .null
        o["lastInvoiceViewedDate"] = .null
        o["lastBankSlipViewedDate"] = .null
        o["discount"] = ["value": 0, "limitDate": nil, "dueDateLimitDays": 0, "type": "FIXED"]
        o["fine"] = ["value": 0, "type": "FIXED"]
        o["interest"] = ["value": 0, "type": "PERCENTAGE"]
        o["postalService"] = false
        o["escrow"] = .null
        o["refunds"] = refunds.isEmpty ? .null : .array(refunds)
        return .object(o)
    }
}

/// A subscription as stored by the fake.
struct FakeSubscription {
    var id: String
    var customer: String
    var billingType: String
    var valueCents: Int64
    var nextDueDate: String
    var cycle: String
    var dateCreated: String
    var description: String?
    var endDate: String?
    var maxPayments: Int?
    var externalReference: String?
    var status = "ACTIVE"
    var deleted = false
    var seq: Int

    static let cycles = ["WEEKLY", "BIWEEKLY", "MONTHLY", "BIMONTHLY", "QUARTERLY", "SEMIANNUALLY", "YEARLY"]

    /// The date one cycle after `date`.
    static func advance(_ date: String, cycle: String) -> String {
        switch cycle {
        case "WEEKLY": FakeDate.adding(days: 7, to: date)
        case "BIWEEKLY": FakeDate.adding(days: 14, to: date)
        case "BIMONTHLY": FakeDate.adding(months: 2, to: date)
        case "QUARTERLY": FakeDate.adding(months: 3, to: date)
        case "SEMIANNUALLY": FakeDate.adding(months: 6, to: date)
        case "YEARLY": FakeDate.adding(months: 12, to: date)
        default: FakeDate.adding(months: 1, to: date)
        }
    }

    var json: JSON {
        var o: JSONObject = ["object": "subscription", "id": .string(id), "dateCreated": .string(dateCreated),
                             "customer": .string(customer), "paymentLink": nil]
        o["value"] = FakeMoney.json(valueCents)
        o["nextDueDate"] = .string(nextDueDate)
        o["cycle"] = .string(cycle)
        o["description"] = JSON(description)
        o["billingType"] = .string(billingType)
        o["deleted"] = .bool(deleted)
        o["status"] = .string(status)
        o["externalReference"] = JSON(externalReference)
        o["endDate"] = JSON(endDate)
        o["maxPayments"] = JSON(maxPayments)
        o["checkoutSession"] = .null
        o["sendPaymentByPostalService"] = false
        o["fine"] = ["value": 0, "type": "FIXED"]
        o["interest"] = ["value": 0, "type": "PERCENTAGE"]
        o["split"] = .null
        return .object(o)
    }
}

/// Everything the fake remembers; guarded by one mutex in `FakeAPI`.
struct FakeState {
    var customers: [String: FakeCustomer] = [:]
    var payments: [String: FakePayment] = [:]
    var subscriptions: [String: FakeSubscription] = [:]
    var tokens: [String: FakeCardToken] = [:]
    var balanceCents: Int64 = 0
    var seq = 0
    var customerCounter = 8_392_496
    var invoiceCounter = 15_924_714
    /// `http://127.0.0.1:PORT`, for invoice and boleto URLs.
    var base = ""

    mutating func nextSeq() -> Int {
        seq += 1
        return seq
    }

    func customer(_ id: String) throws(FakeError) -> FakeCustomer {
        guard let c = customers[id], !c.deleted else { throw .notFound("Cliente") }
        return c
    }

    func payment(_ id: String) throws(FakeError) -> FakePayment {
        guard let p = payments[id] else { throw .notFound("Cobrança") }
        return p
    }

    func subscription(_ id: String) throws(FakeError) -> FakeSubscription {
        guard let s = subscriptions[id] else { throw .notFound("Assinatura") }
        return s
    }
}

/// `{"object":"list","hasMore","totalCount","limit","offset","data"}` over `items` (already filtered
/// and ordered); `limit` defaults to 10 and is capped at 100.
func fakeList(_ items: [JSON], query: [String: String]) -> JSON {
    let limit = min(100, max(1, Int(query["limit"] ?? "") ?? 10))
    let offset = max(0, Int(query["offset"] ?? "") ?? 0)
    let page = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
    return ["object": "list", "hasMore": .bool(offset + page.count < items.count), "totalCount": .int(Int64(items.count)),
            "limit": .int(Int64(limit)), "offset": .int(Int64(offset)), "data": .array(page)]
}
