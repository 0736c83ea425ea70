import Support

/// Raw card data. It lives in memory for one call only: its `description`, debug description and
/// reflection show just the last four digits, so string interpolation or `dump` cannot leak it.
public struct AsaasCreditCard: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var holderName: String
    public var number: String
    /// `"MM"`.
    public var expiryMonth: String
    /// `"YYYY"`.
    public var expiryYear: String
    public var ccv: String

    public init(holderName: String, number: String, expiryMonth: String, expiryYear: String, ccv: String) {
        self.holderName = holderName
        self.number = number
        self.expiryMonth = expiryMonth
        self.expiryYear = expiryYear
        self.ccv = ccv
    }

    public var description: String { "AsaasCreditCard(****\(String(number.filter(\.isNumber).suffix(4))))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }

    var json: JSON {
        ["holderName": .string(holderName), "number": .string(number), "expiryMonth": .string(expiryMonth),
         "expiryYear": .string(expiryYear), "ccv": .string(ccv)]
    }
}

/// The card holder's data Asaas requires with a card (`creditCardHolderInfo`).
public struct AsaasCardHolderInfo: Sendable {
    public var name: String
    public var email: String
    public var cpfCnpj: String
    public var postalCode: String
    public var addressNumber: String
    public var addressComplement: String?
    public var phone: String
    public var mobilePhone: String?

    public init(name: String, email: String, cpfCnpj: String, postalCode: String, addressNumber: String,
                addressComplement: String? = nil, phone: String, mobilePhone: String? = nil) {
        self.name = name
        self.email = email
        self.cpfCnpj = cpfCnpj
        self.postalCode = postalCode
        self.addressNumber = addressNumber
        self.addressComplement = addressComplement
        self.phone = phone
        self.mobilePhone = mobilePhone
    }

    var json: JSON {
        var o: JSONObject = ["name": .string(name), "email": .string(email), "cpfCnpj": .string(cpfCnpj),
                             "postalCode": .string(postalCode), "addressNumber": .string(addressNumber), "phone": .string(phone)]
        if let addressComplement { o["addressComplement"] = .string(addressComplement) }
        if let mobilePhone { o["mobilePhone"] = .string(mobilePhone) }
        return .object(o)
    }
}

/// `POST /creditCard/tokenizeCreditCard` input: the card belongs to `customer` only.
public struct AsaasTokenizeInput: Sendable {
    public var customer: String
    public var creditCard: AsaasCreditCard
    public var holderInfo: AsaasCardHolderInfo
    /// The buyer's IP address (not ours).
    public var remoteIp: String

    public init(customer: String, creditCard: AsaasCreditCard, holderInfo: AsaasCardHolderInfo, remoteIp: String) {
        self.customer = customer
        self.creditCard = creditCard
        self.holderInfo = holderInfo
        self.remoteIp = remoteIp
    }
}

/// A reusable card token with what may be shown and stored: brand and last four digits.
public struct AsaasCardToken: Sendable, Equatable {
    public var creditCardToken: String
    public var brand: String
    public var last4: String

    public init(creditCardToken: String, brand: String, last4: String) {
        self.creditCardToken = creditCardToken
        self.brand = brand
        self.last4 = last4
    }

    /// From `{creditCardNumber, creditCardBrand, creditCardToken}` (tokenize answer, `payment.creditCard`).
    init?(json: JSON?) {
        guard let json, let token = json.string("creditCardToken"), !token.isEmpty else { return nil }
        creditCardToken = token
        brand = json.string("creditCardBrand") ?? "UNKNOWN"
        last4 = String((json.string("creditCardNumber") ?? "").suffix(4))
    }
}

/// How to pay a charge by card: a token, or card data plus holder info; always with the buyer's IP.
public struct AsaasCardPayment: Sendable {
    public enum Source: Sendable {
        case token(String)
        case card(AsaasCreditCard, AsaasCardHolderInfo)
    }

    public var source: Source
    public var remoteIp: String?

    public init(creditCardToken: String, remoteIp: String? = nil) {
        source = .token(creditCardToken)
        self.remoteIp = remoteIp
    }

    public init(card: AsaasCreditCard, holderInfo: AsaasCardHolderInfo, remoteIp: String) {
        source = .card(card, holderInfo)
        self.remoteIp = remoteIp
    }

    func apply(to body: inout AsaasBody) {
        switch source {
        case .token(let token):
            body["creditCardToken"] = .string(token)
        case .card(let card, let holder):
            body["creditCard"] = card.json
            body["creditCardHolderInfo"] = holder.json
        }
        body.set("remoteIp", remoteIp)
    }
}

extension AsaasClient {
    /// `POST /creditCard/tokenizeCreditCard` (card timeout). A declined card is
    /// `.gateway(status: 400, code: "invalid_action", …)`.
    public func tokenizeCreditCard(_ t: AsaasTokenizeInput) throws(AsaasError) -> AsaasCardToken {
        var body = AsaasBody()
        body["customer"] = .string(t.customer)
        body["creditCard"] = t.creditCard.json
        body["creditCardHolderInfo"] = t.holderInfo.json
        body["remoteIp"] = .string(t.remoteIp)
        let json = try perform("POST", "/creditCard/tokenizeCreditCard", body: body, timeout: configuration.cardTimeout)
        guard let token = AsaasCardToken(json: json) else { throw .invalidResponse("tokenization without creditCardToken") }
        return token
    }

    /// `POST /payments/{id}/payWithCreditCard` (card timeout; never retried: a retry could capture twice).
    public func payWithCreditCard(paymentId: String, _ card: AsaasCardPayment) throws(AsaasError) -> AsaasPayment {
        var body = AsaasBody()
        card.apply(to: &body)
        return try AsaasPayment(json: perform("POST", Self.path("payments", paymentId, "/payWithCreditCard"), body: body,
                                              timeout: configuration.cardTimeout))
    }
}
