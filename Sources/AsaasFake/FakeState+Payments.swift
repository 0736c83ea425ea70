import Support

extension FakeState {
    static let billingTypes: Set<String> = ["UNDEFINED", "BOLETO", "CREDIT_CARD", "PIX"]

    mutating func createPayment(_ call: FakeCall) throws(FakeError) -> JSON {
        guard let customerId = call.string("customer"), let owner = customers[customerId], !owner.deleted else {
            throw FakeError("invalid_customer", "Customer inválido ou não informado.")
        }
        guard let billingType = call.string("billingType"), Self.billingTypes.contains(billingType) else {
            throw FakeError("invalid_billingType", "Informe uma forma de pagamento válida.")
        }
        let value = try FakeMoney.required(call.body["value"])
        let dueDate = try FakeDate.requiredFuture(call.body["dueDate"], field: "dueDate")
        try Self.checkDescription(call)
        // Card data inline: charge synchronously; a decline persists nothing.
        let hasCard = call.body["creditCard"] != nil || call.body["creditCardToken"] != nil
        var card: FakeCardToken?
        if hasCard {
            guard billingType == "CREDIT_CARD" else {
                throw FakeError("invalid_billingType", "Dados de cartão só podem ser enviados para CREDIT_CARD.")
            }
            card = try authorize(call, customer: customerId)
        }
        var p = newPayment(customer: customerId, billingType: billingType, valueCents: value, dueDate: dueDate)
        p.description = call.string("description")
        p.externalReference = call.string("externalReference")
        payments[p.id] = p
        call.emit("PAYMENT_CREATED", "payment", p.json(base: base))
        if let card { try confirmByCard(p.id, card: card, call) }
        return try payment(p.id).json(base: base)
    }

    mutating func newPayment(customer: String, billingType: String, valueCents: Int64, dueDate: String) -> FakePayment {
        invoiceCounter += 1
        return FakePayment(id: FakeID.random("pay_"), customer: customer, billingType: billingType, valueCents: valueCents,
                           dueDate: dueDate, originalDueDate: dueDate, dateCreated: FakeDate.today(),
                           invoiceNumber: String(invoiceCounter), seq: nextSeq())
    }

    /// Partial bodies accepted; only PENDING/OVERDUE charges; the customer cannot change.
    mutating func updatePayment(_ id: String, _ call: FakeCall) throws(FakeError) -> JSON {
        var p = try payment(id)
        guard p.isOpen else { throw .invalidAction("Só é possível editar cobranças pendentes ou vencidas.") }
        if let billingType = call.string("billingType") {
            guard Self.billingTypes.contains(billingType) else {
                throw FakeError("invalid_billingType", "Informe uma forma de pagamento válida.")
            }
            p.billingType = billingType
        }
        if call.body["value"] != nil { p.valueCents = try FakeMoney.required(call.body["value"]) }
        if call.body["dueDate"] != nil {
            p.dueDate = try FakeDate.requiredFuture(call.body["dueDate"], field: "dueDate")
            if p.status == "OVERDUE" { p.status = "PENDING" }
        }
        try Self.checkDescription(call)
        if call.body["description"] != nil { p.description = call.string("description") }
        if call.body["externalReference"] != nil { p.externalReference = call.string("externalReference") }
        payments[id] = p
        call.emit("PAYMENT_UPDATED", "payment", p.json(base: base))
        return p.json(base: base)
    }

    mutating func deletePayment(_ id: String, _ call: FakeCall) throws(FakeError) -> JSON {
        let p = try payment(id)
        guard !p.deleted else { throw .notFound("Cobrança") }
        guard p.isOpen else { throw .invalidAction("Só é possível remover cobranças pendentes ou vencidas.") }
        markDeleted(id, call)
        return ["deleted": true, "id": .string(id)]
    }

    mutating func markDeleted(_ id: String, _ call: FakeCall) {
        guard var p = payments[id], !p.deleted else { return }
        p.deleted = true
        payments[id] = p
        call.emit("PAYMENT_DELETED", "payment", p.json(base: base))
    }

    mutating func restorePayment(_ id: String, _ call: FakeCall) throws(FakeError) -> JSON {
        var p = try payment(id)
        guard p.deleted else { throw .invalidAction("A cobrança não está removida.") }
        p.deleted = false
        payments[id] = p
        call.emit("PAYMENT_RESTORED", "payment", p.json(base: base))
        return p.json(base: base)
    }

    /// Newest first; deleted charges are not listed.
    func listPayments(_ call: FakeCall) -> JSON {
        let q = call.query
        func within(_ value: String?, _ name: String) -> Bool {
            if let low = q["\(name)[ge]"], (value ?? "") < low { return false }
            if let high = q["\(name)[le]"], (value ?? "9999") > high { return false }
            return true
        }
        let matching = payments.values.filter { p in
            guard !p.deleted else { return false }
            if let v = q["customer"], p.customer != v { return false }
            if let v = q["billingType"], p.billingType != v { return false }
            if let v = q["status"], p.status != v { return false }
            if let v = q["subscription"], p.subscription != v { return false }
            if let v = q["externalReference"], p.externalReference != v { return false }
            if let v = q["paymentDate"], p.paymentDate != v { return false }
            return within(p.dueDate, "dueDate") && within(p.dateCreated, "dateCreated") && within(p.paymentDate, "paymentDate")
        }
        return fakeList(matching.sorted { $0.seq > $1.seq }.map { $0.json(base: base) }, query: q)
    }

    func pixQrCode(_ id: String) throws(FakeError) -> JSON {
        let p = try payment(id)
        guard !p.deleted else { throw .notFound("Cobrança") }
        guard p.billingType != "CREDIT_CARD" else {
            throw FakeError("invalid_billingType", "QR Code Pix disponível apenas para cobranças Pix, boleto ou a definir.")
        }
        let expiration = FakeDate.adding(months: 12, to: p.dueDate) + " 23:59:59"
        return ["success": true, "encodedImage": .string(FakePix.encodedImage),
                "payload": .string(FakePix.payload(paymentId: p.id, valueCents: p.valueCents)),
                "expirationDate": .string(expiration), "description": .string(p.description ?? "Descricao nao informada")]
    }

    mutating func payWithCreditCard(_ id: String, _ call: FakeCall) throws(FakeError) -> JSON {
        let p = try payment(id)
        guard p.isOpen else { throw .invalidAction("Esta cobrança não pode ser paga com cartão de crédito.") }
        let card = try authorize(call, customer: p.customer)
        try confirmByCard(id, card: card, call)
        return try payment(id).json(base: base)
    }

    /// Validates card data or a token for `customer` and returns the (possibly new) token; throws the
    /// decline for the two sandbox test cards.
    mutating func authorize(_ call: FakeCall, customer: String) throws(FakeError) -> FakeCardToken {
        if let token = call.string("creditCardToken") {
            guard call.body["creditCard"]?["ccv"] == nil, call.body["ccv"] == nil else {
                throw FakeError("invalid_creditCard", "Não envie o CCV junto com o token do cartão.")
            }
            guard let stored = tokens[token], stored.customer == customer else {
                throw FakeError("invalid_creditCard", "CreditCardToken \(token) não encontrado.")
            }
            return stored
        }
        let number = try FakeCard.validate(card: call.body["creditCard"], holder: call.body["creditCardHolderInfo"])
        guard call.string("remoteIp") != nil else { throw FakeError("invalid_remoteIp", "O campo remoteIp deve ser informado.") }
        let token = FakeCardToken(token: UUIDv7.random(), customer: customer, last4: String(number.suffix(4)),
                                  brand: FakeCard.brand(number))
        tokens[token.token] = token
        return token
    }

    mutating func confirmByCard(_ id: String, card: FakeCardToken, _ call: FakeCall) throws(FakeError) {
        var p = try payment(id)
        let today = FakeDate.today()
        p.billingType = "CREDIT_CARD"
        p.card = card
        p.status = "CONFIRMED"
        p.confirmedDate = today
        p.clientPaymentDate = today
        p.creditDate = FakeDate.adding(days: 32, to: today)
        p.estimatedCreditDate = p.creditDate
        credit(&p)
        payments[id] = p
        call.emit("PAYMENT_CONFIRMED", "payment", p.json(base: base))
    }

    /// Adds the net value to the balance once per charge.
    mutating func credit(_ p: inout FakePayment) {
        guard !p.credited else { return }
        p.credited = true
        balanceCents += p.netValueCents
    }

    /// Full (no `value`) or partial refunds, up to what is left; only CONFIRMED/RECEIVED charges.
    mutating func refund(_ id: String, _ call: FakeCall) throws(FakeError) -> JSON {
        var p = try payment(id)
        guard !p.deleted, p.isPaid else { throw .invalidAction("Só é possível estornar cobranças confirmadas ou recebidas.") }
        let remaining = p.valueCents - p.refundedCents
        var amount = remaining
        if let value = call.body["value"], !value.isNull {
            amount = try FakeMoney.required(value)
            guard amount <= remaining else {
                throw FakeError("invalid_value", "O valor do estorno não pode ser maior que o valor disponível.")
            }
        }
        let now = FakeDate.timestamp()
        p.refunds.append(["dateCreated": .string(now), "status": "DONE", "value": FakeMoney.json(amount),
                          "endToEndIdentifier": nil, "description": JSON(call.string("description")),
                          "effectiveDate": .string(String(now.prefix(10))),
                          "transactionReceiptUrl": .string("\(base)/comprovantes/estorno/\(p.shortId)"), "refundedSplits": []])
        p.refundedCents += amount
        balanceCents -= amount
        let full = p.refundedCents == p.valueCents
        if full { p.status = "REFUNDED" }
        payments[id] = p
        call.emit(full ? "PAYMENT_REFUNDED" : "PAYMENT_PARTIALLY_REFUNDED", "payment", p.json(base: base))
        return p.json(base: base)
    }

    /// State changes driven from outside (sandbox routes and `/_fake/payments/{id}/…`), each firing its webhook.
    mutating func drive(_ id: String, _ action: String, _ call: FakeCall) throws(FakeError) -> JSON {
        var p = try payment(id)
        guard !p.deleted else { throw .notFound("Cobrança") }
        let today = FakeDate.today()
        switch action {
        case "confirm", "receive":
            let target = action == "confirm" ? "CONFIRMED" : "RECEIVED"
            guard p.isOpen || (target == "RECEIVED" && p.status == "CONFIRMED") else {
                throw .invalidAction("A cobrança não está pendente (status \(p.status)).")
            }
            p.status = target
            p.confirmedDate = p.confirmedDate ?? today
            p.clientPaymentDate = p.clientPaymentDate ?? today
            if target == "RECEIVED" {
                p.paymentDate = today
                p.creditDate = today
                p.estimatedCreditDate = today
            } else {
                p.estimatedCreditDate = FakeDate.adding(days: p.billingType == "CREDIT_CARD" ? 32 : 1, to: today)
            }
            credit(&p)
            payments[id] = p
            call.emit(target == "CONFIRMED" ? "PAYMENT_CONFIRMED" : "PAYMENT_RECEIVED", "payment", p.json(base: base))
        case "overdue":
            guard p.status == "PENDING" else { throw .invalidAction("Só cobranças pendentes podem vencer.") }
            p.status = "OVERDUE"
            payments[id] = p
            call.emit("PAYMENT_OVERDUE", "payment", p.json(base: base))
        case "fail":
            guard p.isOpen else { throw .invalidAction("Só cobranças pendentes podem falhar.") }
            let event = call.query["event"] ?? "PAYMENT_CREDIT_CARD_CAPTURE_REFUSED"
            call.emit(event, "payment", p.json(base: base))
        case "refund":
            return try refund(id, call)
        case "delete":
            markDeleted(id, call)
        default:
            throw .notFound("Endpoint")
        }
        return try payment(id).json(base: base)
    }

    static func checkDescription(_ call: FakeCall) throws(FakeError) {
        if let description = call.string("description"), description.count > 500 {
            throw FakeError("invalid_description", "A descrição deve ter no máximo 500 caracteres.")
        }
    }
}
