/// Card data on its way to the gateway's tokenizer: it lives in memory for one call and is never
/// stored, logged or audited. Printing, debug-printing or `dump`ing it shows only the last four digits.
public struct CardDetails: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var holderName: String
    public var number: String
    /// `MM`.
    public var expiryMonth: String
    /// `YYYY`.
    public var expiryYear: String
    public var cvv: String

    public init(holderName: String, number: String, expiryMonth: String, expiryYear: String, cvv: String) {
        self.holderName = holderName
        self.number = number
        self.expiryMonth = expiryMonth
        self.expiryYear = expiryYear
        self.cvv = cvv
    }

    public var last4: String { String(number.filter(\.isNumber).suffix(4)) }
    public var description: String { "CardDetails(****\(last4))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }
}

/// The card holder as the gateway's anti-fraud wants it.
public struct CardHolder: Sendable {
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
}
