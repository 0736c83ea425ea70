import Foundation
import Testing
import Support
@testable import Asaas

/// The client against the fake over real loopback HTTP: every call and the error mapping.
struct AsaasClientTests {
    @Test func customers_CreateGetUpdateFind() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let created = try h.makeCustomer(reference: "tenant-42")
        #expect(created.id.hasPrefix("cus_") && created.id.count == 16)
        #expect(created.cpfCnpj == "24971563792")
        #expect(created.personType == "FISICA")
        #expect(created.externalReference == "tenant-42")

        let updated = try h.client.updateCustomer(id: created.id, AsaasCustomerInput(email: "novo@example.com"))
        #expect(updated.email == "novo@example.com")
        #expect(updated.name == "Maria Silva")
        #expect(try h.client.getCustomer(id: created.id).email == "novo@example.com")
        #expect(h.requestCount("PUT", "/customers/") == 1)

        #expect(try h.client.findCustomers(externalReference: "tenant-42").map(\.id) == [created.id])
        #expect(try h.client.findCustomers(externalReference: "nobody").isEmpty)
        let company = try h.client.createCustomer(AsaasCustomerInput(name: "ACME", cpfCnpj: "11.222.333/0001-81"))
        #expect(company.personType == "JURIDICA")
    }

    @Test func errors_MapAsaasErrorsArray_ToGatewayError() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        #expect(asaasError { try h.client.createCustomer(AsaasCustomerInput(name: "X", cpfCnpj: "24971563793")) }
                == .gateway(status: 400, code: "invalid_object", description: "O CPF/CNPJ informado é inválido."))
        if case .gateway(404, "not_found", _)? = asaasError({ try h.client.getPayment(id: "pay_doesnotexist00") }) {} else {
            Issue.record("unknown payment should be a 404 gateway error")
        }
        // An id can never add path segments.
        if case .gateway(404, _, _)? = asaasError({ try h.client.getCustomer(id: "../payments") }) {} else {
            Issue.record("escaped id should be a 404")
        }

        var wrongKey = h.client.configuration
        wrongKey.apiKey = "$aact_hmlg_wrong"
        let other = AsaasClient(configuration: wrongKey, http: .init(userAgent: "t"))
        if case .gateway(401, "invalid_access_token", _)? = asaasError({ try other.balance() }) {} else {
            Issue.record("wrong key should be a 401 gateway error")
        }
    }

    @Test func payments_ValidationErrors_NameTheField() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let customer = try h.makeCustomer()
        func code(_ input: AsaasPaymentInput) -> String? {
            if case .gateway(400, let code, _)? = asaasError({ try h.client.createPayment(input) }) { return code }
            return nil
        }
        #expect(code(AsaasPaymentInput(billingType: .pix, valueCents: 100, dueDate: futureDate())) == "invalid_customer")
        #expect(code(AsaasPaymentInput(customer: customer.id, valueCents: 100, dueDate: futureDate())) == "invalid_billingType")
        #expect(code(AsaasPaymentInput(customer: customer.id, billingType: .pix, dueDate: futureDate())) == "invalid_value")
        #expect(code(AsaasPaymentInput(customer: customer.id, billingType: .pix, valueCents: 100)) == "invalid_dueDate")
        #expect(code(AsaasPaymentInput(customer: customer.id, billingType: .boleto, valueCents: 100, dueDate: "2020-01-01"))
                == "invalid_dueDate")
        #expect(code(AsaasPaymentInput(customer: customer.id, billingType: .pix, valueCents: 0, dueDate: futureDate()))
                == "invalid_value")
    }

    @Test func payments_CreateGetUpdateListDelete() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let customer = try h.makeCustomer()
        let payment = try h.makePayment(customer: customer.id, billingType: .boleto, cents: 12_345, reference: "inv-1")
        #expect(payment.id.hasPrefix("pay_") && payment.id.count == 20)
        #expect(payment.status == .pending)
        #expect(payment.valueCents == 12_345)
        let boletoNet: Int64 = 12_345 - 199  // R$ 1.99
        #expect(payment.netValueCents == boletoNet)
        #expect(payment.externalReference == "inv-1")
        #expect(payment.invoiceUrl?.hasSuffix(String(payment.id.dropFirst(4))) == true)
        #expect(payment.bankSlipUrl != nil)

        let updated = try h.client.updatePayment(id: payment.id, AsaasPaymentInput(valueCents: 20_000, dueDate: futureDate(days: 10),
                                                                                   description: "Fatura 7"))
        #expect(updated.valueCents == 20_000)
        #expect(updated.dueDate == futureDate(days: 10))
        #expect(try h.client.getPayment(id: payment.id).description == "Fatura 7")

        for _ in 0..<11 { _ = try h.makePayment(customer: customer.id) }
        let page = try h.client.listPayments(AsaasPaymentFilter(customer: customer.id))
        #expect(page.totalCount == 12 && page.data.count == 10 && page.limit == 10 && page.hasMore)
        let last = try h.client.listPayments(AsaasPaymentFilter(customer: customer.id, offset: 10, limit: 500))
        #expect(last.data.count == 2 && !last.hasMore && last.limit == 100)
        #expect(last.data.last?.id == payment.id)  // newest first
        #expect(try h.client.listPayments(AsaasPaymentFilter(externalReference: "inv-1")).data.map(\.id) == [payment.id])
        #expect(try h.client.listPayments(AsaasPaymentFilter(billingType: .boleto, dueDateFrom: futureDate(days: 9))).data.count == 1)

        try h.client.deletePayment(id: payment.id)
        #expect(try h.client.getPayment(id: payment.id).deleted)
        #expect(try h.client.listPayments(AsaasPaymentFilter(externalReference: "inv-1")).data.isEmpty)
        if case .gateway(404, _, _)? = asaasError({ try h.client.deletePayment(id: payment.id) }) {} else {
            Issue.record("deleting twice should be a 404")
        }
    }

    @Test func amounts_OneCentAndMaximum_RoundTripExactly() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let customer = try h.makeCustomer()
        for cents: Int64 in [1, 9_999_999_999, 10, 1_000_000_001, 33_333] {
            let created = try h.makePayment(customer: customer.id, cents: cents)
            #expect(created.valueCents == cents)
            #expect(try h.client.getPayment(id: created.id).valueCents == cents)
        }
        let tooMuch = asaasError { try h.makePayment(customer: customer.id, cents: 10_000_000_000) }
        #expect(tooMuch.map { if case .gateway(400, "invalid_value", _) = $0 { true } else { false } } == true)
    }

    @Test func pixQrCode_HasImagePayloadAndExpiry() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let payment = try h.makePayment(customer: h.makeCustomer().id, billingType: .pix, cents: 4_990)
        let qr = try h.client.pixQrCode(paymentId: payment.id)
        let png = try #require(Data(base64Encoded: qr.encodedImage))
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(qr.payload.hasPrefix("000201"))
        #expect(qr.payload.contains("br.gov.bcb.pix"))
        #expect(qr.payload.contains("540549.90"))
        #expect(qr.expirationDate?.hasSuffix(" 23:59:59") == true)
    }

    @Test func cards_TokenizeThenPay_ConfirmsWithTokenBrandLast4() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let customer = try h.makeCustomer()
        let token = try h.client.tokenizeCreditCard(AsaasTokenizeInput(customer: customer.id, creditCard: testCard,
                                                                       holderInfo: testHolder, remoteIp: "203.0.113.9"))
        #expect(token.brand == "VISA" && token.last4 == "1111" && !token.creditCardToken.isEmpty)

        let payment = try h.makePayment(customer: customer.id, billingType: .creditCard, cents: 10_000)
        let paid = try h.client.payWithCreditCard(paymentId: payment.id,
                                                  AsaasCardPayment(creditCardToken: token.creditCardToken, remoteIp: "203.0.113.9"))
        #expect(paid.status == .confirmed)
        #expect(paid.creditCard == token)
        let cardNet: Int64 = 10_000 - 49 - 299  // R$ 0.49 + 2.99 %
        #expect(paid.netValueCents == cardNet)
        #expect(paid.confirmedDate != nil)

        // Inline card data on create: confirmed at once.
        let inline = try h.client.createPayment(AsaasPaymentInput(customer: customer.id, billingType: .creditCard, valueCents: 500,
                                                                  dueDate: futureDate(), externalReference: "inv-card",
                                                                  card: AsaasCardPayment(card: testCard, holderInfo: testHolder,
                                                                                         remoteIp: "203.0.113.9")))
        #expect(inline.status == .confirmed && inline.creditCard?.last4 == "1111")

        // A token belongs to its customer.
        let stranger = try h.makeCustomer()
        let foreign = try h.makePayment(customer: stranger.id, billingType: .creditCard)
        if case .gateway(400, "invalid_creditCard", _)? = asaasError({
            try h.client.payWithCreditCard(paymentId: foreign.id, AsaasCardPayment(creditCardToken: token.creditCardToken))
        }) {} else { Issue.record("foreign token should be refused") }

        // Card data never reaches the client's log lines.
        let log = h.clientLog.get().joined(separator: "\n")
        #expect(!log.isEmpty)
        #expect(!log.contains(Secrets.cardNumber) && !log.contains(Secrets.apiKey))
        #expect(!log.contains("\"ccv\"") && !log.contains("holderName"), "no request body in the log")
    }

    @Test func cards_DeclinedTestCards_AreGatewayErrors_AndPersistNothing() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let customer = try h.makeCustomer()
        for number in ["5184019740373151", "4916561358240741"] {
            var card = testCard
            card.number = number
            let declined = AsaasError.gateway(status: 400, code: "invalid_action",
                description: "Transação não autorizada. Verifique os dados do cartão de crédito e tente novamente.")
            #expect(asaasError { try h.client.tokenizeCreditCard(AsaasTokenizeInput(customer: customer.id, creditCard: card,
                                                                                    holderInfo: testHolder, remoteIp: "1.2.3.4")) }
                    == declined)
            let payment = try h.makePayment(customer: customer.id, billingType: .creditCard)
            #expect(asaasError { try h.client.payWithCreditCard(paymentId: payment.id, AsaasCardPayment(card: card, holderInfo: testHolder,
                                                                                                       remoteIp: "1.2.3.4")) }
                    == declined)
            #expect(try h.client.getPayment(id: payment.id).status == .pending)
            let reference = "inv-declined-\(number)"
            #expect(asaasError { try h.client.createPayment(AsaasPaymentInput(customer: customer.id, billingType: .creditCard,
                                                                              valueCents: 100, dueDate: futureDate(),
                                                                              externalReference: reference,
                                                                              card: AsaasCardPayment(card: card, holderInfo: testHolder,
                                                                                                     remoteIp: "1.2.3.4"))) }
                    == declined)
            #expect(h.fake.paymentCount(externalReference: reference) == 0)
        }
    }

    @Test func refunds_PartialThenFull_AndBalance() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        #expect(try h.client.balance() == 0)
        let payment = try h.makePayment(customer: h.makeCustomer().id, billingType: .pix, cents: 10_000)
        if case .gateway(400, "invalid_action", _)? = asaasError({
            try h.client.refundPayment(id: payment.id, valueCents: nil, description: nil)
        }) {} else { Issue.record("refunding a pending charge should fail") }

        #expect(try h.control(payment.id, "receive") == 200)
        #expect(try h.client.balance() == 10_000 - 199)
        let partial = try h.client.refundPayment(id: payment.id, valueCents: 2_550, description: "Desconto")
        #expect(partial.status == .received)
        #expect(partial.refunds.map(\.valueCents) == [2_550])
        #expect(partial.refunds.first?.description == "Desconto")
        if case .gateway(400, "invalid_value", _)? = asaasError({
            try h.client.refundPayment(id: payment.id, valueCents: 7_451, description: nil)
        }) {} else { Issue.record("refunding more than what is left should fail") }
        let full = try h.client.refundPayment(id: payment.id, valueCents: nil, description: nil)
        #expect(full.status == .refunded)
        #expect(full.refunds.compactMap(\.valueCents) == [2_550, 7_450])
        #expect(try h.client.balance() == 10_000 - 199 - 10_000)
    }

    @Test func subscriptions_CreateGetUpdateDelete() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let customer = try h.makeCustomer()
        let first = futureDate(days: 3)
        let subscription = try h.client.createSubscription(AsaasSubscriptionInput(customer: customer.id, billingType: .boleto,
                                                                                  valueCents: 4_990, nextDueDate: first, cycle: .monthly,
                                                                                  description: "Plano Pro", externalReference: "sub-ref"))
        #expect(subscription.id.hasPrefix("sub_") && subscription.id.count == 20)
        #expect(subscription.status == "ACTIVE" && subscription.valueCents == 4_990 && subscription.cycle == .monthly)
        #expect(subscription.nextDueDate != first)  // advanced one cycle past the first charge
        let charges = try h.client.subscriptionPayments(id: subscription.id)
        #expect(charges.data.count == 1 && charges.data.first?.dueDate == first && charges.data.first?.subscription == subscription.id)

        let updated = try h.client.updateSubscription(id: subscription.id, AsaasSubscriptionInput(valueCents: 5_990,
                                                                                                  updatePendingPayments: true))
        #expect(updated.valueCents == 5_990)
        #expect(try h.client.getPayment(id: charges.data[0].id).valueCents == 5_990)
        #expect(try h.client.getSubscription(id: subscription.id).description == "Plano Pro")

        try h.client.deleteSubscription(id: subscription.id)
        #expect(try h.client.getSubscription(id: subscription.id).deleted)
        #expect(try h.client.getPayment(id: charges.data[0].id).deleted)
        if case .gateway(400, "invalid_cycle", _)? = asaasError({
            try h.client.createSubscription(AsaasSubscriptionInput(customer: customer.id, billingType: .pix, valueCents: 100,
                                                                   nextDueDate: first, cycle: AsaasCycle("DAILY")))
        }) {} else { Issue.record("unknown cycle should be refused") }
    }
}
