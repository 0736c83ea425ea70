import AsaasFake
import Foundation
import Outbound
import Testing
import Support
@testable import Asaas

/// The fake's own wire behaviour (CONTRACT.md §8), spoken to with raw requests.
struct AsaasFakeTests {
    let http = OutboundHTTPClient(userAgent: "asaas-fake-tests")

    func send(_ h: FakeHarness, _ method: String, _ path: String, key: String? = Secrets.apiKey, body: String? = nil)
        throws -> (status: Int, json: JSON?) {
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("access_token", key)) }
        let response = try http.send(OutboundRequest(method: method, url: "http://127.0.0.1:\(h.fake.port)\(path)",
                                                     headers: headers, body: body.map { Array($0.utf8) }))
        return (response.status, try? JSON.parse(response.body))
    }

    @Test func auth_MissingOrWrongKey_Is401WithErrorsArray() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        for key in [nil, "$aact_hmlg_other"] {
            let (status, json) = try send(h, "GET", "/v3/finance/balance", key: key)
            #expect(status == 401)
            #expect(json?["errors"]?.arrayValue?.first?["code"] == "invalid_access_token")
        }
        #expect(try send(h, "POST", "/_fake/payments/pay_x/receive", key: nil).status == 404)  // control needs no key
    }

    @Test func paths_LegacyPrefixTokenizeAndPostUpdate_AreServed() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let created = try send(h, "POST", "/api/v3/customers", body: #"{"name":"Ana","cpfCnpj":"24971563792"}"#)
        #expect(created.status == 200)
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(try send(h, "POST", "/v3/customers/\(id)", body: #"{"email":"ana@example.com"}"#).json?["email"] == "ana@example.com")
        let card = #"{"customer":"\#(id)","remoteIp":"1.2.3.4","creditCard":{"holderName":"ANA","number":"5162306219378829","expiryMonth":"05","expiryYear":"2030","ccv":"318"},"creditCardHolderInfo":{"name":"Ana","email":"a@example.com","cpfCnpj":"24971563792","postalCode":"89223005","addressNumber":"1","phone":"4738010919"}}"#
        for path in ["/v3/creditCard/tokenizeCreditCard", "/v3/creditCard/tokenize"] {
            let (status, json) = try send(h, "POST", path, body: card)
            #expect(status == 200)
            #expect(json?["creditCardNumber"] == "8829" && json?["creditCardBrand"] == "MASTERCARD")
        }
        #expect(try send(h, "GET", "/v3/nothing/here").status == 404)
        #expect(try send(h, "POST", "/v3/customers", body: "not json").json?["errors"]?.arrayValue?.first?["code"] == "invalid_object")
    }

    @Test func customers_DeleteAndRestore() throws {
        let h = try FakeHarness()
        defer { h.stop() }
        let customer = try h.makeCustomer(reference: "tenant-del")
        let deleted = try send(h, "DELETE", "/v3/customers/\(customer.id)")
        #expect(deleted.json == ["deleted": true, "id": .string(customer.id)])
        #expect(try h.client.findCustomers(externalReference: "tenant-del").isEmpty)
        #expect(try send(h, "POST", "/v3/customers/\(customer.id)/restore").status == 200)
        #expect(try h.client.getCustomer(id: customer.id).deleted == false)
    }

    @Test func configuration_ParsesTheSpecCommandLine() throws {
        let c = try AsaasFakeConfiguration.parse(["--port", "0", "--api-key", "k", "--webhook-url", "http://127.0.0.1:9/webhooks/asaas",
                                                  "--webhook-token", "t", "--latency-ms=25", "--fail-rate", "0.1",
                                                  "--duplicate-webhooks"])
        #expect(c.port == 0 && c.apiKey == "k" && c.webhookToken == "t" && c.latencyMs == 25 && c.failRate == 0.1)
        #expect(c.duplicateWebhooks && c.webhookURL == "http://127.0.0.1:9/webhooks/asaas")
        for bad in [["--port", "1"], ["--api-key", "k", "--fail-rate", "2"], ["--api-key", "k", "--bogus", "1"], ["--api-key"]] {
            #expect(throws: AsaasFakeUsageError.self) { try AsaasFakeConfiguration.parse(bad) }
        }
    }

    /// The real executable (built by `swift build --build-tests`), found next to the test bundle.
    @Test func executable_PrintsPort_AndServes() throws {
        var directory = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        var binary: URL?
        for _ in 0..<6 {
            directory.deleteLastPathComponent()
            let candidate = directory.appendingPathComponent("asaas-fake")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { binary = candidate; break }
        }
        let executable = try #require(binary, "asaas-fake not built next to the tests")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--port", "0", "--api-key", Secrets.apiKey, "--webhook-url", "", "--webhook-token", "t"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var line = ""
        while !line.contains("\n") {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        let port = try #require(line.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(line.hasPrefix("listening on 127.0.0.1:"))
        var configuration = AsaasConfiguration(baseURL: "http://127.0.0.1:\(port)/v3", apiKey: Secrets.apiKey, userAgent: "t")
        configuration.timeout = 5
        #expect(try AsaasClient(configuration: configuration, http: http).balance() == 0)
    }
}
