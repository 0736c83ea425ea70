import Billing
import Foundation
import Support
import Testing

/// Payment methods over the socket: sealed tokens, PAN/CVV refusal, defaults, tenant scoping.
struct PaymentMethodsTests {
    let server: TestServer
    init() throws { server = try TestServer { $0.billing.paymentDataKey = SecretBox.makeKey() } }

    func tenantAdmin(_ name: String = "PM") throws -> (tenant: String, key: String) {
        let t = try server.makeTenant(name)
        return (t, try server.makeKey(role: "admin", tenant: t))
    }

    var card: JSONObject {
        ["type": "credit_card", "token": "tok_live_secret_7f3a9c1e", "card_brand": "visa", "card_last4": "1111", "exp_month": 12, "exp_year": 2099]
    }

    /// The raw bytes of the database and its WAL.
    func databaseBytes() throws -> String {
        let base = server.directory.appendingPathComponent("billing.sqlite").path
        var bytes: [UInt8] = []
        for path in [base, base + "-wal"] where FileManager.default.fileExists(atPath: path) {
            bytes += [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func add_SealsToken_NeverReturnsIt_NorStoresPlaintext() throws {
        let (_, key) = try tenantAdmin()
        let r = try server.call("add_payment_method", key: key, body: .object(card))
        #expect(r.status == 201, "\(r.text)")
        #expect(r.data["has_token"] == true && r.data["is_default"] == true && r.data["card_last4"] == "1111")
        #expect(!r.text.contains("tok_live_secret"))
        #expect(!(try server.call("list_payment_methods", key: key).text.contains("tok_live_secret")))
        #expect(!(try databaseBytes().contains("tok_live_secret_7f3a9c1e")))
        let id = r.data["id"]!.stringValue!
        #expect(try server.app.services.paymentMethods.openToken(id: id, tenantId: r.data["tenant_id"]!.stringValue!) == "tok_live_secret_7f3a9c1e")
    }

    @Test func panAndCVV_AreRefused_AndNeverStored() throws {
        let (_, key) = try tenantAdmin()
        var withPan = card
        withPan["card_number"] = "4111111111111111"
        var withCvv = card
        withCvv["cvv"] = "123"
        var panInToken = card
        panInToken["token"] = "4111 1111 1111 1111"
        var panInMeta = card
        panInMeta["metadata"] = ["note": "5500-0055-5555-5559"]
        for body in [withPan, withCvv, panInToken, panInMeta] {
            let r = try server.call("add_payment_method", key: key, body: .object(body))
            #expect(r.status == 400, "\(r.text)")
            #expect(!r.text.contains("4111") && !r.text.contains("5559"))
        }
        let q = try server.call("add_payment_method", key: key, method: "POST", query: ["cvc": "999", "type": "pix"])
        #expect(q.status == 400)
        #expect(try server.call("list_payment_methods", key: key).data["items"]?.arrayValue?.isEmpty == true)
        let raw = try databaseBytes()
        #expect(!raw.contains("4111111111111111") && !raw.contains("5500-0055-5555-5559"))
    }

    @Test func defaults_Delete_AndCrossTenant() throws {
        let (_, keyA) = try tenantAdmin("A")
        let (tb, keyB) = try tenantAdmin("B")
        let first = try server.call("add_payment_method", key: keyA, body: .object(card)).data["id"]!
        let second = try server.call("add_payment_method", key: keyA, body: ["type": "pix", "label": "PIX"]).data
        #expect(second["is_default"] == false)
        #expect(try server.call("set_default_payment_method", key: keyA, body: ["id": second["id"]!]).data["is_default"] == true)
        let list = try server.call("list_payment_methods", key: keyA).data["items"]?.arrayValue ?? []
        #expect(list.filter { $0["is_default"] == true }.count == 1)
        let deleted = try server.call("delete_payment_method", key: keyA, body: ["id": first])
        #expect(deleted.data["status"] == "deleted" && deleted.data["has_token"] == false)
        #expect(try server.call("delete_payment_method", key: keyA, body: ["id": first]).status == 404)

        let bMethod = try server.call("add_payment_method", key: keyB, body: ["type": "boleto"]).data["id"]!
        let before = try server.call("list_payment_methods", key: server.superKey, query: ["tenant_id": tb]).text
        #expect(try server.call("set_default_payment_method", key: keyA, body: ["id": bMethod]).status == 404)
        #expect(try server.call("delete_payment_method", key: keyA, body: ["id": bMethod]).status == 404)
        #expect(try server.call("list_payment_methods", key: keyA, query: ["tenant_id": tb]).status == 403)
        #expect(try server.call("list_payment_methods", key: server.superKey, query: ["tenant_id": tb]).text == before)
        #expect(try server.call("add_payment_method", key: keyA, body: ["type": "wallet"]).status == 400)
    }

    @Test func missingKey_RefusesCards_WithAClearCode() throws {
        let plain = try TestServer()
        let t = try plain.makeTenant("NoKey")
        let key = try plain.makeKey(role: "admin", tenant: t)
        let r = try plain.call("add_payment_method", key: key, body: .object(card))
        #expect(r.status == 503 && r.errorCode == "payment_data_key_missing")
        #expect(try plain.call("add_payment_method", key: key, body: ["type": "boleto"]).status == 201)
    }
}
