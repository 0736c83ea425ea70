import Support

extension FakeState {
    /// Creates the subscription and its first charge (due on `nextDueDate`); the returned
    /// `nextDueDate` has already advanced one cycle (CONTRACT.md §4.7).
    mutating func createSubscription(_ call: FakeCall) throws(FakeError) -> JSON {
        guard let customerId = call.string("customer"), let owner = customers[customerId], !owner.deleted else {
            throw FakeError("invalid_customer", "Customer inválido ou não informado.")
        }
        guard let billingType = call.string("billingType"), Self.billingTypes.contains(billingType) else {
            throw FakeError("invalid_billingType", "Informe uma forma de pagamento válida.")
        }
        let value = try FakeMoney.required(call.body["value"])
        let first = try FakeDate.requiredFuture(call.body["nextDueDate"], field: "nextDueDate")
        guard let cycle = call.string("cycle"), FakeSubscription.cycles.contains(cycle) else {
            throw FakeError("invalid_cycle", "Informe um ciclo válido.")
        }
        try Self.checkDescription(call)
        var card: FakeCardToken?
        if call.body["creditCard"] != nil || call.body["creditCardToken"] != nil {
            guard billingType == "CREDIT_CARD" else {
                throw FakeError("invalid_billingType", "Dados de cartão só podem ser enviados para CREDIT_CARD.")
            }
            card = try authorize(call, customer: customerId)
        }
        var s = FakeSubscription(id: FakeID.random("sub_"), customer: customerId, billingType: billingType, valueCents: value,
                                 nextDueDate: FakeSubscription.advance(first, cycle: cycle), cycle: cycle,
                                 dateCreated: FakeDate.today(), seq: nextSeq())
        s.description = call.string("description")
        s.endDate = call.string("endDate")
        s.maxPayments = call.body["maxPayments"]?.intValue.map { Int($0) }
        s.externalReference = call.string("externalReference")
        subscriptions[s.id] = s
        call.emit("SUBSCRIPTION_CREATED", "subscription", s.json)

        var p = newPayment(customer: customerId, billingType: billingType, valueCents: value, dueDate: first)
        p.description = s.description
        p.subscription = s.id
        payments[p.id] = p
        call.emit("PAYMENT_CREATED", "payment", p.json(base: base))
        if let card { try confirmByCard(p.id, card: card, call) }
        return s.json
    }

    mutating func updateSubscription(_ id: String, _ call: FakeCall) throws(FakeError) -> JSON {
        var s = try subscription(id)
        guard !s.deleted else { throw .notFound("Assinatura") }
        if let billingType = call.string("billingType") {
            guard Self.billingTypes.contains(billingType) else {
                throw FakeError("invalid_billingType", "Informe uma forma de pagamento válida.")
            }
            s.billingType = billingType
        }
        if call.body["value"] != nil { s.valueCents = try FakeMoney.required(call.body["value"]) }
        if call.body["nextDueDate"] != nil { s.nextDueDate = try FakeDate.requiredFuture(call.body["nextDueDate"], field: "nextDueDate") }
        if let cycle = call.string("cycle") {
            guard FakeSubscription.cycles.contains(cycle) else { throw FakeError("invalid_cycle", "Informe um ciclo válido.") }
            s.cycle = cycle
        }
        if let status = call.string("status") {
            guard status == "ACTIVE" || status == "INACTIVE" else { throw FakeError("invalid_status", "Status inválido.") }
            s.status = status
        }
        try Self.checkDescription(call)
        if call.body["description"] != nil { s.description = call.string("description") }
        if call.body["endDate"] != nil { s.endDate = call.string("endDate") }
        if call.body["externalReference"] != nil { s.externalReference = call.string("externalReference") }
        subscriptions[id] = s
        if call.body["updatePendingPayments"]?.boolValue == true {
            for (pid, var p) in payments where p.subscription == id && p.isOpen {
                p.valueCents = s.valueCents
                p.billingType = s.billingType
                payments[pid] = p
                call.emit("PAYMENT_UPDATED", "payment", p.json(base: base))
            }
        }
        call.emit(s.status == "INACTIVE" ? "SUBSCRIPTION_INACTIVATED" : "SUBSCRIPTION_UPDATED", "subscription", s.json)
        return s.json
    }

    /// Marks the subscription deleted and removes its open charges (each firing PAYMENT_DELETED).
    mutating func deleteSubscription(_ id: String, _ call: FakeCall) throws(FakeError) -> JSON {
        var s = try subscription(id)
        guard !s.deleted else { throw .notFound("Assinatura") }
        s.deleted = true
        s.status = "INACTIVE"
        subscriptions[id] = s
        for p in payments.values.sorted(by: { $0.seq < $1.seq }) where p.subscription == id && p.isOpen {
            markDeleted(p.id, call)
        }
        call.emit("SUBSCRIPTION_DELETED", "subscription", s.json)
        return ["deleted": true, "id": .string(id)]
    }

    func listSubscriptions(_ call: FakeCall) -> JSON {
        let q = call.query
        let includeDeleted = q["includeDeleted"] == "true"
        let matching = subscriptions.values.filter { s in
            if s.deleted, !includeDeleted, q["deletedOnly"] != "true" { return false }
            if q["deletedOnly"] == "true", !s.deleted { return false }
            if let v = q["customer"], s.customer != v { return false }
            if let v = q["billingType"], s.billingType != v { return false }
            if let v = q["status"], s.status != v { return false }
            if let v = q["externalReference"], s.externalReference != v { return false }
            return true
        }
        return fakeList(matching.sorted { $0.seq > $1.seq }.map(\.json), query: q)
    }

    func subscriptionPayments(_ id: String, _ call: FakeCall) -> JSON {
        let matching = payments.values.filter { $0.subscription == id && !$0.deleted }
            .filter { p in call.query["status"].map { p.status == $0 } ?? true }
        return fakeList(matching.sorted { $0.seq > $1.seq }.map { $0.json(base: base) }, query: call.query)
    }

    /// `POST /creditCard/tokenizeCreditCard` (and the legacy `/creditCard/tokenize`).
    mutating func tokenize(_ call: FakeCall) throws(FakeError) -> JSON {
        guard let customerId = call.string("customer"), let owner = customers[customerId], !owner.deleted else {
            throw FakeError("invalid_customer", "Customer inválido ou não informado.")
        }
        guard call.body["creditCard"] != nil else {
            throw FakeError("invalid_creditCard", "Informe os dados do cartão de crédito.")
        }
        return try authorize(call, customer: customerId).json
    }
}
