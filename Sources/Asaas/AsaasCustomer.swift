import Support

/// Fields for creating or updating a customer; nil fields are not sent (on update: left unchanged).
public struct AsaasCustomerInput: Sendable {
    public var name: String?
    /// CPF (11 digits) or CNPJ (14 digits), digits only or formatted.
    public var cpfCnpj: String?
    public var email: String?
    public var phone: String?
    public var mobilePhone: String?
    public var address: String?
    public var addressNumber: String?
    public var complement: String?
    public var province: String?
    public var postalCode: String?
    /// Our id for the customer (tenant id); makes a timed-out create recoverable.
    public var externalReference: String?
    public var notificationDisabled: Bool?
    public var additionalEmails: String?
    public var company: String?
    public var observations: String?
    public var groupName: String?

    public init(name: String? = nil, cpfCnpj: String? = nil, email: String? = nil, phone: String? = nil,
                mobilePhone: String? = nil, address: String? = nil, addressNumber: String? = nil, complement: String? = nil,
                province: String? = nil, postalCode: String? = nil, externalReference: String? = nil,
                notificationDisabled: Bool? = nil, additionalEmails: String? = nil, company: String? = nil,
                observations: String? = nil, groupName: String? = nil) {
        self.name = name
        self.cpfCnpj = cpfCnpj
        self.email = email
        self.phone = phone
        self.mobilePhone = mobilePhone
        self.address = address
        self.addressNumber = addressNumber
        self.complement = complement
        self.province = province
        self.postalCode = postalCode
        self.externalReference = externalReference
        self.notificationDisabled = notificationDisabled
        self.additionalEmails = additionalEmails
        self.company = company
        self.observations = observations
        self.groupName = groupName
    }

    var body: AsaasBody {
        var body = AsaasBody()
        body.set("name", name)
        body.set("cpfCnpj", cpfCnpj)
        body.set("email", email)
        body.set("phone", phone)
        body.set("mobilePhone", mobilePhone)
        body.set("address", address)
        body.set("addressNumber", addressNumber)
        body.set("complement", complement)
        body.set("province", province)
        body.set("postalCode", postalCode)
        body.set("externalReference", externalReference)
        body.set("notificationDisabled", notificationDisabled)
        body.set("additionalEmails", additionalEmails)
        body.set("company", company)
        body.set("observations", observations)
        body.set("groupName", groupName)
        return body
    }
}

/// An Asaas customer (`object: "customer"`); `raw` keeps every field as received.
public struct AsaasCustomer: Sendable, Equatable {
    public var id: String
    public var name: String?
    public var email: String?
    public var cpfCnpj: String?
    public var phone: String?
    public var mobilePhone: String?
    /// `FISICA` or `JURIDICA`.
    public var personType: String?
    public var externalReference: String?
    public var deleted: Bool
    public var dateCreated: String?
    public var raw: JSON

    public init(json: JSON) throws(AsaasError) {
        id = try json.requiredString("id", in: "customer")
        name = json.string("name")
        email = json.string("email")
        cpfCnpj = json.string("cpfCnpj")
        phone = json.string("phone")
        mobilePhone = json.string("mobilePhone")
        personType = json.string("personType")
        externalReference = json.string("externalReference")
        deleted = json.bool("deleted") ?? false
        dateCreated = json.string("dateCreated")
        raw = json
    }
}

extension AsaasClient {
    /// `POST /customers`. Asaas does not deduplicate customers, so on a timeout the customer is first
    /// looked up by `externalReference` and returned if it exists.
    public func createCustomer(_ c: AsaasCustomerInput) throws(AsaasError) -> AsaasCustomer {
        try create("/customers", body: c.body, externalReference: c.externalReference,
                   lookup: { (reference: String) throws(AsaasError) -> AsaasCustomer? in
                       try self.findCustomers(externalReference: reference).first
                   },
                   decode: { (json: JSON) throws(AsaasError) -> AsaasCustomer in try AsaasCustomer(json: json) })
    }

    /// `GET /customers/{id}`.
    public func getCustomer(id: String) throws(AsaasError) -> AsaasCustomer {
        try AsaasCustomer(json: perform("GET", Self.path("customers", id)))
    }

    /// `PUT /customers/{id}` with only the non-nil fields.
    public func updateCustomer(id: String, _ c: AsaasCustomerInput) throws(AsaasError) -> AsaasCustomer {
        try AsaasCustomer(json: perform("PUT", Self.path("customers", id), body: c.body))
    }

    /// `GET /customers?externalReference=…` (first page, up to 100; deleted customers are not listed).
    public func findCustomers(externalReference: String) throws(AsaasError) -> [AsaasCustomer] {
        let json = try perform("GET", "/customers", query: [("externalReference", externalReference), ("limit", "100")])
        return try AsaasList.decode(json) { (item: JSON) throws(AsaasError) in try AsaasCustomer(json: item) }.data
    }

    /// `DELETE /customers/{id}`.
    public func deleteCustomer(id: String) throws(AsaasError) {
        _ = try perform("DELETE", Self.path("customers", id))
    }
}
