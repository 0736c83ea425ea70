import Support
import Testing
@testable import HTTP

/// The server's own error bodies go through `Support`'s JSON encoder.
struct HTTPResponseTests {
    @Test func error_IsJSON_WithTheMessageAsSent_WhenItHoldsQuotesControlsAndClusters() throws {
        let message = "bad \"input\"\r\n\u{0600}<b>\u{0301}\\\0"
        let response = HTTPResponse.error(.badRequest, code: "validation_failed", message: message)
        guard case .bytes(let body) = response.body else {
            Issue.record("error bodies are bytes")
            return
        }
        let json = try JSON.parse(body)
        #expect(json["error"]?["message"]?.stringValue == message)
        #expect(json["error"]?["code"] == "validation_failed" && json["error"]?["status"] == 400)
        #expect(!body.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "<") }))
    }
}
