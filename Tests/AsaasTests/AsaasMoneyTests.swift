import Testing
import Support
@testable import Asaas

struct AsaasMoneyTests {
    @Test func decimalText_FormatsCentsExactly() {
        #expect(AsaasMoney.decimalText(cents: 1) == "0.01")
        #expect(AsaasMoney.decimalText(cents: 10) == "0.10")
        #expect(AsaasMoney.decimalText(cents: 100) == "1.00")
        #expect(AsaasMoney.decimalText(cents: 0) == "0.00")
        #expect(AsaasMoney.decimalText(cents: -50) == "-0.50")
        #expect(AsaasMoney.decimalText(cents: 9_999_999_999) == "99999999.99")
    }

    @Test func cents_ReadsIntegersDoublesAndText() throws {
        #expect(AsaasMoney.cents(.int(100)) == 10_000)
        #expect(AsaasMoney.cents(.double(0.01)) == 1)
        #expect(AsaasMoney.cents(.double(98.01)) == 9_801)
        #expect(AsaasMoney.cents(.double(99_999_999.99)) == 9_999_999_999)
        #expect(AsaasMoney.cents(try JSON.parse("1.1")) == 110)
        #expect(AsaasMoney.cents(.string("123.4")) == 12_340)
        #expect(AsaasMoney.cents(.string("1.234")) == nil)
        #expect(AsaasMoney.cents(.string("abc")) == nil)
        #expect(AsaasMoney.cents(nil) == nil)
        #expect(AsaasMoney.cents(.null) == nil)
    }

    @Test func cents_RoundTripsThroughJSONText_ForEveryAmountTried() throws {
        var amounts: [Int64] = Array(1...2_000)
        amounts += [9_999_999_999, 9_999_999_998, 1_000_000_001, 123_456_789, 4_503_599_627, 100_000_000_07]
        for step in stride(from: Int64(1), to: 9_999_999_999, by: 7_777_777) { amounts.append(step) }
        for cents in amounts {
            let parsed = try JSON.parse(AsaasMoney.decimalText(cents: cents))
            #expect(AsaasMoney.cents(parsed) == cents, "amount \(cents)")
        }
    }

    @Test func body_WritesMoneyAsDecimalTokens() {
        var body = AsaasBody()
        body["customer"] = "cus_1"
        body.setMoney("value", cents: 1)
        #expect(String(decoding: body.bytes(), as: UTF8.self) == #"{"customer":"cus_1","value":0.01}"#)

        var onlyMoney = AsaasBody()
        onlyMoney.setMoney("value", cents: 9_999_999_999)
        #expect(String(decoding: onlyMoney.bytes(), as: UTF8.self) == #"{"value":99999999.99}"#)

        var none = AsaasBody()
        none.setMoney("value", cents: nil)
        #expect(String(decoding: none.bytes(), as: UTF8.self) == "{}")
    }

    @Test func baseURL_ChoosesOverrideThenEnvironment() {
        #expect(AsaasConfiguration.baseURL(production: false, override: nil) == "https://api-sandbox.asaas.com/v3")
        #expect(AsaasConfiguration.baseURL(production: true, override: "") == "https://api.asaas.com/v3")
        #expect(AsaasConfiguration.baseURL(production: true, override: "http://127.0.0.1:9/v3") == "http://127.0.0.1:9/v3")
        #expect(AsaasConfiguration(baseURL: "http://x/v3/", apiKey: "k", userAgent: "u").baseURL == "http://x/v3")
    }

    @Test func creditCard_DescriptionAndMirror_HideNumberAndCCV() {
        let card = AsaasCreditCard(holderName: "A", number: "4111111111111111", expiryMonth: "01", expiryYear: "2030", ccv: "321")
        var dumped = ""
        dump(card, to: &dumped)
        for text in ["\(card)", String(reflecting: card), dumped] {
            #expect(!text.contains("4111111111111111"))
            #expect(!text.contains("321"))
            #expect(text.contains("1111"))
        }
    }
}
