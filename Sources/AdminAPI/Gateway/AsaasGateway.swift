import Asaas
import Billing
import Outbound
import Support

/// `PaymentGateway` on the Asaas v3 client: domain values in, Asaas wire types out, `AsaasError` →
/// `GatewayError`. Card data is handed straight to the client and never logged.
public struct AsaasGateway: PaymentGateway {
    let client: AsaasClient

    public init(client: AsaasClient) { self.client = client }

    /// The gateway for `settings`, or nil when the integration is disabled or has no API key.
    public static func make(_ settings: AsaasSettings, version: String, logger: Logger) -> AsaasGateway? {
        guard settings.enabled, let key = settings.apiKey, !key.isEmpty else { return nil }
        var configuration = AsaasConfiguration(baseURL: AsaasConfiguration.baseURL(production: settings.production, override: settings.baseURL),
                                               apiKey: key, userAgent: "billing-server/\(version)")
        configuration.timeout = settings.timeout
        configuration.cardTimeout = settings.cardTimeout
        configuration.retryBaseDelay = settings.retryBaseDelay
        configuration.maxRetryDelay = settings.maxRetryDelay
        return AsaasGateway(client: AsaasClient(configuration: configuration, http: OutboundHTTPClient(userAgent: configuration.userAgent),
                                                logger: logger))
    }

    public func findCustomers(externalReference: String) throws -> [GatewayCustomer] {
        try call { try client.findCustomers(externalReference: externalReference) }.map(Self.customer)
    }

    public func createCustomer(_ input: GatewayCustomerInput) throws -> GatewayCustomer {
        let c = AsaasCustomerInput(name: input.name, cpfCnpj: input.cpfCnpj, email: input.email, phone: input.phone,
                                   addressNumber: input.addressNumber, postalCode: input.postalCode,
                                   externalReference: input.externalReference)
        return Self.customer(try call { try client.createCustomer(c) })
    }

    public func createCharge(_ input: GatewayChargeInput) throws -> GatewayCharge {
        let p = AsaasPaymentInput(customer: input.customerId, billingType: AsaasBillingType(input.billingType.rawValue),
                                  valueCents: input.amountCents, dueDate: input.dueDate, description: input.description,
                                  externalReference: input.externalReference)
        return Self.charge(try call { try client.createPayment(p) })
    }

    public func findCharges(externalReference: String) throws -> [GatewayCharge] {
        try call { try client.listPayments(AsaasPaymentFilter(externalReference: externalReference, limit: 100)) }.data.map(Self.charge)
    }

    public func getCharge(id: String) throws -> GatewayCharge {
        Self.charge(try call { try client.getPayment(id: id) })
    }

    public func pixQRCode(chargeId: String) throws -> GatewayPixQRCode {
        let qr = try call { try client.pixQrCode(paymentId: chargeId) }
        return GatewayPixQRCode(encodedImage: qr.encodedImage, payload: qr.payload, expirationDate: qr.expirationDate)
    }

    public func tokenizeCard(customerId: String, card: CardDetails, holder: CardHolder, remoteIP: String) throws -> GatewayCardToken {
        let input = AsaasTokenizeInput(
            customer: customerId,
            creditCard: AsaasCreditCard(holderName: card.holderName, number: card.number, expiryMonth: card.expiryMonth,
                                        expiryYear: card.expiryYear, ccv: card.cvv),
            holderInfo: AsaasCardHolderInfo(name: holder.name, email: holder.email, cpfCnpj: holder.cpfCnpj, postalCode: holder.postalCode,
                                            addressNumber: holder.addressNumber, addressComplement: holder.addressComplement,
                                            phone: holder.phone, mobilePhone: holder.mobilePhone),
            remoteIp: remoteIP)
        let token = try call { try client.tokenizeCreditCard(input) }
        return GatewayCardToken(token: token.creditCardToken, brand: token.brand, last4: token.last4)
    }

    public func payWithCardToken(chargeId: String, token: String, remoteIP: String?) throws -> GatewayCharge {
        Self.charge(try call { try client.payWithCreditCard(paymentId: chargeId, AsaasCardPayment(creditCardToken: token, remoteIp: remoteIP)) })
    }

    public func refund(chargeId: String, amountCents: Int64?, description: String?) throws -> GatewayCharge {
        Self.charge(try call { try client.refundPayment(id: chargeId, valueCents: amountCents, description: description) })
    }

    public func balanceCents() throws -> Int64 {
        try call { try client.balance() }
    }

    // MARK: - Mapping

    /// Runs a client call, turning `AsaasError` into `GatewayError`.
    func call<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as AsaasError {
            throw Self.map(error)
        }
    }

    static func map(_ error: AsaasError) -> GatewayError {
        switch error {
        case .gateway(let status, let code, let description): .rejected(status: status, code: code, description: description)
        case .timeout: .timeout
        case .unreachable(let m): .unreachable(m)
        case .invalidResponse(let m): .invalidResponse(m)
        }
    }

    static func customer(_ c: AsaasCustomer) -> GatewayCustomer {
        GatewayCustomer(id: c.id, name: c.name, email: c.email, externalReference: c.externalReference, deleted: c.deleted)
    }

    static func charge(_ p: AsaasPayment) -> GatewayCharge {
        let refunded = p.refunds.filter { ($0.status ?? "DONE") != "CANCELLED" }.compactMap(\.valueCents).reduce(0, +)
        return GatewayCharge(id: p.id, customerId: p.customer, status: p.status.rawValue, billingType: p.billingType.rawValue,
                             amountCents: p.valueCents, dueDate: p.dueDate, externalReference: p.externalReference, invoiceURL: p.invoiceUrl,
                             bankSlipURL: p.bankSlipUrl, deleted: p.deleted, refundedCents: refunded, cardBrand: p.creditCard?.brand,
                             cardLast4: p.creditCard?.last4)
    }
}
