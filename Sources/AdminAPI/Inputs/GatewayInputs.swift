import Billing
import Foundation
import Support

/// Fields the gateway actions share.
enum GatewayFields {
    /// The invoice a gateway action works on; `invoice_id`, its second name, is accepted for one release.
    static let invoice = Field<String>.id("id", "The invoice").alias("invoice_id").required().example("0193a5c4-7e1f-7b2a-9c3d-4e5f6a7b8c9d")
    static let cpfCnpj = Field<String>.string("cpf_cnpj", "The payer's CPF or CNPJ (digits, punctuation allowed)", maxLength: 20)
    static let postalCode = Field<String>.string("postal_code", "The payer's CEP", maxLength: 10)
    static let addressNumber = Field<String>.string("address_number", "The number of the payer's address", maxLength: 20)
    static let phone = Field<String>.string("phone", "The payer's phone number", maxLength: 20)

    static func isDigits(_ text: String, count: ClosedRange<Int>) -> Bool {
        count.contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// `sync_asaas_customer`: the payer's details for the Asaas customer (defaults from the tenant).
struct SyncAsaasCustomerInput: ActionInput {
    static let name = Field<String>.string("name", "The customer's name (default: the tenant's name)", maxLength: 200)
    static let email = Field<String>.string("email", "Where Asaas sends charges (default: the tenant's billing_email)", maxLength: 320, format: "email")
    static let fields = [name.spec, GatewayFields.cpfCnpj.spec, email.spec, GatewayFields.phone.spec, GatewayFields.postalCode.spec,
                         GatewayFields.addressNumber.spec]

    let customer: CustomerSyncInput

    init(_ r: inout InputReader) {
        var c = CustomerSyncInput()
        c.name = r(Self.name)
        c.cpfCnpj = r(GatewayFields.cpfCnpj)
        c.email = r(Self.email)
        c.phone = r(GatewayFields.phone)
        c.postalCode = r(GatewayFields.postalCode)
        c.addressNumber = r(GatewayFields.addressNumber)
        customer = c
    }
}

/// `charge_invoice`: create the invoice's Asaas charge.
struct ChargeInvoiceInput: ActionInput {
    static let billingType = Field<BillingType>.enumeration("billing_type", BillingType.self,
                                                            "How the payer pays (UNDEFINED: the payer chooses on Asaas's page)").required().example("PIX")
    static let fields = [GatewayFields.invoice.spec, billingType.spec]
    let invoiceId: String
    let billingType: BillingType
    init(_ r: inout InputReader) {
        invoiceId = r(GatewayFields.invoice)
        billingType = r(Self.billingType)
    }
}

/// `get_invoice_pix_qrcode`.
struct InvoicePixInput: ActionInput {
    static let fields = [GatewayFields.invoice.spec]
    let invoiceId: String
    init(_ r: inout InputReader) { invoiceId = r(GatewayFields.invoice) }
}

/// `pay_invoice_with_card`'s `card`: checked for shape only (the gateway validates the card). No error quotes a value.
struct CardFields: InputShape {
    static let holderName = Field<String>.string("holder_name", "The name printed on the card", maxLength: 200).required().example("MARIA SILVA")
    static let number = Field<String>.string("number", "The card number, 13 to 19 digits (spaces allowed)", maxLength: 40).required()
        .example("4111111111111111")
    // Text, as Asaas's creditCard takes them; a pattern failure is reported instead of a length.
    static let expiryMonth = Field<String>.string("expiry_month", "The expiry month, 1 to 12 (text)", maxLength: 20).required().example("12")
    static let expiryYear = Field<String>.string("expiry_year", "The expiry year, four digits (text)", maxLength: 20).required().example("2031")
    static let cvv = Field<String>.string("cvv", "The security code, 3 or 4 digits (text)", maxLength: 20).alias("ccv").required().example("123")
    static let fields = [holderName.spec, number.spec, expiryMonth.spec, expiryYear.spec, cvv.spec]

    let card: CardDetails

    init(_ r: inout InputReader) {
        let holder = r(Self.holderName)
        let number = r(Self.number).filter { $0 != " " }
        var month = r(Self.expiryMonth)
        let year = r(Self.expiryYear)
        let cvv = r(Self.cvv)
        if !number.isEmpty, !GatewayFields.isDigits(number, count: 13...19) { r.fail("number", "must be 13 to 19 digits") }
        if !month.isEmpty, !(GatewayFields.isDigits(month, count: 1...2) && (1...12).contains(Int(month) ?? 0)) {
            r.fail("expiry_month", "must be a month 1 to 12")
        }
        if month.count == 1 { month = "0" + month }
        if !year.isEmpty, !GatewayFields.isDigits(year, count: 4...4) { r.fail("expiry_year", "must be a four-digit year") }
        if !cvv.isEmpty, !GatewayFields.isDigits(cvv, count: 3...4) { r.fail("cvv", "must be 3 or 4 digits") }
        card = CardDetails(holderName: holder, number: number, expiryMonth: month, expiryYear: year, cvv: cvv)
    }
}

/// `pay_invoice_with_card`'s `holder`: the card holder as Asaas's anti-fraud wants it.
struct CardHolderFields: InputShape {
    static let name = Field<String>.string("name", "The holder's full name", maxLength: 200).required().example("Maria Silva")
    static let email = Field<String>.string("email", "The holder's e-mail", maxLength: 200, format: "email").required().example("maria@example.com")
    static let cpfCnpj = Field<String>.string("cpf_cnpj", "The holder's CPF or CNPJ", maxLength: 200).required().example("24971563792")
    static let postalCode = Field<String>.string("postal_code", "The holder's CEP", maxLength: 200).required().example("01310-000")
    static let addressNumber = Field<String>.string("address_number", "The number of the holder's address", maxLength: 200).required().example("150")
    static let addressComplement = Field<String>.string("address_complement", "The rest of the holder's address", maxLength: 200)
    static let phone = Field<String>.string("phone", "The holder's phone number", maxLength: 200).required().example("4738010919")
    static let mobilePhone = Field<String>.string("mobile_phone", "The holder's mobile number", maxLength: 200)
    static let fields = [name.spec, email.spec, cpfCnpj.spec, postalCode.spec, addressNumber.spec, addressComplement.spec, phone.spec,
                         mobilePhone.spec]

    let holder: CardHolder

    init(_ r: inout InputReader) {
        holder = CardHolder(name: r(Self.name), email: r(Self.email), cpfCnpj: r(Self.cpfCnpj), postalCode: r(Self.postalCode),
                            addressNumber: r(Self.addressNumber), addressComplement: r(Self.addressComplement), phone: r(Self.phone),
                            mobilePhone: r(Self.mobilePhone))
    }
}

/// `pay_invoice_with_card`: card data in the JSON body only (`card` and `holder` are objects, which a query string cannot carry).
struct PayInvoiceWithCardInput: ActionInput {
    static let card = CardFields.object("card", "The card, used for this call only: never stored, logged or audited").required()
    static let holder = CardHolderFields.object("holder", "The card holder (Asaas's anti-fraud check)").required()
    static let remoteIP = Field<String>.string("remote_ip", "The buyer's IP address (default: the caller's)", maxLength: 45)
    static let savePaymentMethod = Field<Bool>.bool("save_payment_method", "Keep the card's token (sealed), brand and last 4 as a payment method")
    static let fields = [GatewayFields.invoice.spec, card.spec, holder.spec, remoteIP.spec, savePaymentMethod.spec]

    let invoiceId: String
    let card: CardDetails
    let holder: CardHolder
    let remoteIP: String?
    let savePaymentMethod: Bool

    init(_ r: inout InputReader) {
        invoiceId = r(GatewayFields.invoice)
        card = r(Self.card).card
        holder = r(Self.holder).holder
        remoteIP = r(Self.remoteIP)
        savePaymentMethod = r(Self.savePaymentMethod) ?? false
    }
}

/// `refund_invoice`: all of the paid amount not yet refunded, or part of it.
struct RefundInvoiceInput: ActionInput {
    static let amountCents = Field<Int64>.int("amount_cents", "How much to refund in cents (default: all not yet refunded)", in: 1...PlanService.maxCents)
    static let description = Field<String>.string("description", "Why, as Asaas shows it", maxLength: 500)
    static let fields = [GatewayFields.invoice.spec, amountCents.spec, description.spec]
    let invoiceId: String
    let amountCents: Int64?
    let description: String?
    init(_ r: inout InputReader) {
        invoiceId = r(GatewayFields.invoice)
        amountCents = r(Self.amountCents)
        description = r(Self.description)
    }
}

/// `list_webhook_events`: Asaas webhook events received, newest first (every tenant's: a super-admin action).
struct ListGatewayEventsInput: ActionInput {
    static let status = Field<GatewayEvent.Status>.enumeration("status", GatewayEvent.Status.self, "Only events in this state")
    static let eventType = Field<String>.string("event_type", "Only events of this Asaas type (PAYMENT_RECEIVED)", maxLength: 100)
    static let tenantId = Field<String>.id("tenant_id", "Only events about this tenant's invoices")
    static let invoiceId = Field<String>.id("invoice_id", "Only events about this invoice")
    static let paymentId = Field<String>.string("payment_id", "Only events about this Asaas payment (pay_…)", maxLength: 100)
    static let start = Field<Date>.date("start_date", "Received at or after this")
    static let end = Field<Date>.date("end_date", "Received before this (a date includes that whole day)", endOfDay: true)
    static let includePayload = Field<Bool>.bool("include_payload", "Include each event's body as received")
    static let fields = [status.spec, eventType.spec, tenantId.spec, invoiceId.spec, paymentId.spec, start.spec, end.spec, includePayload.spec]
        + Page.fields()

    let query: GatewayEventQuery
    let includePayload: Bool

    init(_ r: inout InputReader) {
        var q = GatewayEventQuery()
        q.status = r(Self.status)
        q.eventType = r(Self.eventType)
        q.tenantId = r(Self.tenantId)
        q.invoiceId = r(Self.invoiceId)
        q.paymentId = r(Self.paymentId)
        q.since = r(Self.start)
        q.until = r(Self.end)
        let page = Page(&r)
        q.limit = page.limit
        q.offset = page.offset
        query = q
        includePayload = r(Self.includePayload) ?? false
    }
}
