import Billing
import Support

/// `list_payment_methods`: the tenant's payment methods, newest first.
struct ListPaymentMethodsInput: ActionInput {
    static let includeDeleted = Field<Bool>.bool("include_deleted", "Also list deleted methods (their history)")
    static let fields = [includeDeleted.spec] + Page.fields()
    let includeDeleted: Bool
    let page: Page
    init(_ r: inout InputReader) {
        includeDeleted = r(Self.includeDeleted) ?? false
        page = Page(&r)
    }
}

/// `add_payment_method`: a gateway token with what may be shown of the card; never a card number or CVV.
struct AddPaymentMethodInput: ActionInput {
    static let type = Field<PaymentMethod.Kind>.enumeration("type", PaymentMethod.Kind.self, "What kind of method it is").required()
        .example("credit_card")
    static let isDefault = Field<Bool>.bool("is_default", "Make it the tenant's default (the first method always is)")
    static let token = Field<String>.string("token", "The gateway's token for the card or account (required for credit_card; never a card number)",
                                            maxLength: 500)
    static let cardBrand = Field<String>.string("card_brand", "The card's brand as the gateway names it (VISA)", maxLength: 40)
    static let cardLast4 = Field<String>.string("card_last4", "The last 4 digits of the card", maxLength: 4)
    static let expMonth = Field<Int64>.int("exp_month", "The card's expiry month, 1 to 12", in: 1...12)
    static let expYear = Field<Int64>.int("exp_year", "The card's expiry year, four digits", in: 2000...2200)
    static let holderName = Field<String>.string("holder_name", "The name on the card or account", maxLength: 200)
    static let label = Field<String>.string("label", "A name for it in the dashboard", maxLength: 200)
    static let metadata = Field<JSONObject>.object("metadata", "Free-form details kept with the method")
    static let fields = [type.spec, isDefault.spec, token.spec, cardBrand.spec, cardLast4.spec, expMonth.spec, expYear.spec, holderName.spec,
                         label.spec, metadata.spec]

    let draft: PaymentMethodDraft

    init(_ r: inout InputReader) throws {
        // Before anything else: a PAN or CVV anywhere in the request (query or body, declared or not) is refused, never
        // read further, so no other error can quote it.
        try CardDataGuard.check(r.params.names.map { ($0, r.params.json($0) ?? .null) })
        var d = PaymentMethodDraft()
        d.type = r(Self.type)
        d.isDefault = r(Self.isDefault)
        d.token = r(Self.token)
        d.cardBrand = r(Self.cardBrand)
        d.cardLast4 = r(Self.cardLast4)
        d.expMonth = r(Self.expMonth)
        d.expYear = r(Self.expYear)
        d.holderName = r(Self.holderName)
        d.label = r(Self.label)
        d.metadata = r(Self.metadata)
        draft = d
    }
}

/// `set_default_payment_method` and `delete_payment_method`: one method by id.
struct PaymentMethodIDInput: ActionInput {
    static let id = Field<String>.id("id", "The payment method").required().example("0193a5c4-7e1f-7b2a-9c3d-4e5f6a7b8c9d")
    static let fields = [id.spec]
    let id: String
    init(_ r: inout InputReader) { id = r(Self.id) }
}
