import Support

extension FakeState {
    mutating func createCustomer(_ call: FakeCall) throws(FakeError) -> JSON {
        guard call.string("name") != nil else { throw FakeError("invalid_name", "O campo nome deve ser informado.") }
        var fields = try Self.customerFields(call.body)
        fields["name"] = call.body["name"]
        customerCounter += 1
        let id = "cus_" + String(format: "%012d", customerCounter)
        let c = FakeCustomer(id: id, dateCreated: FakeDate.today(), fields: fields, seq: nextSeq())
        customers[id] = c
        return c.json
    }

    mutating func updateCustomer(_ id: String, _ call: FakeCall) throws(FakeError) -> JSON {
        var c = try customer(id)
        for (key, value) in try Self.customerFields(call.body) { c.fields[key] = value }
        customers[id] = c
        return c.json
    }

    mutating func deleteCustomer(_ id: String) throws(FakeError) -> JSON {
        var c = try customer(id)
        c.deleted = true
        customers[id] = c
        return ["deleted": true, "id": .string(id)]
    }

    mutating func restoreCustomer(_ id: String) throws(FakeError) -> JSON {
        guard var c = customers[id] else { throw .notFound("Cliente") }
        c.deleted = false
        customers[id] = c
        return c.json
    }

    /// Customers newest first, filtered by `name`, `email`, `cpfCnpj`, `groupName`, `externalReference`.
    func listCustomers(_ call: FakeCall) -> JSON {
        let matching = customers.values.filter { c in
            guard !c.deleted else { return false }
            for key in ["name", "email", "cpfCnpj", "groupName", "externalReference"] {
                if let wanted = call.query[key], c.fields[key]?.stringValue != wanted { return false }
            }
            return true
        }
        return fakeList(matching.sorted { $0.seq > $1.seq }.map(\.json), query: call.query)
    }

    /// The known, present fields of a create/update body, validated.
    private static func customerFields(_ body: JSON) throws(FakeError) -> JSONObject {
        var fields = JSONObject()
        for key in FakeCustomer.fieldNames where key != "name" {
            guard let value = body[key], !value.isNull else { continue }
            fields[key] = value
        }
        if let name = body["name"], name.stringValue?.isEmpty == false { fields["name"] = name }
        if let document = fields["cpfCnpj"] {
            guard let text = document.stringValue, FakeDocument.isValid(text) else {
                throw FakeError("invalid_object", "O CPF/CNPJ informado é inválido.")
            }
            fields["cpfCnpj"] = .string(String(FakeDocument.digits(text).map(String.init).joined()))
        }
        if let mobile = fields["mobilePhone"]?.stringValue {
            let digits = FakeDocument.digits(mobile)
            if digits.count < 10 || Set(digits).count == 1 {
                throw FakeError("invalid_mobilePhone", "O celular informado é inválido.")
            }
        }
        return fields
    }
}
