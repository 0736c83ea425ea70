import Foundation
import LoopbackTestSupport
import Testing
@testable import Outbound

struct OutboundHTTPClientTests {
    let client = OutboundHTTPClient(userAgent: "billing-server-tests/1.0")

    @Test func get_ReturnsStatusHeadersAndBody() throws {
        let server = try TestHTTPServer { _ in .respond(status: 200, headers: [("X-Answer", "42"), ("Content-Type", "text/plain")],
                                                         body: Array("hello".utf8)) }
        defer { server.stop() }
        let response = try client.send(OutboundRequest(method: "GET", url: server.url + "/path?q=1"))
        #expect(response.status == 200)
        #expect(response.body == Array("hello".utf8))
        #expect(response.header("x-answer") == "42")
        #expect(response.header("CONTENT-TYPE") == "text/plain")
        #expect(response.header("missing") == nil)
        #expect(response.durationSeconds > 0 && response.durationSeconds < 5)
        let request = try #require(server.requests.first)
        #expect(request.method == "GET")
        #expect(request.target == "/path?q=1")
        #expect(request.header("User-Agent") == "billing-server-tests/1.0")
        #expect(request.body.isEmpty)
    }

    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE"])
    func send_RoundTripsMethodHeadersAndBody(method: String) throws {
        let server = try TestHTTPServer { request in .respond(status: 201, body: request.body.reversed()) }
        defer { server.stop() }
        let payload = Array(#"{"value": "ç ✓"}"#.utf8)
        var request = OutboundRequest(method: method, url: server.url + "/v3/customers",
                                      headers: [("Content-Type", "application/json"), ("access_token", "$secret"), ("X-Empty", "")],
                                      body: payload)
        request.timeout = 5
        let response = try client.send(request)
        #expect(response.status == 201)
        #expect(response.body == payload.reversed())
        let seen = try #require(server.requests.first)
        #expect(seen.method == method)
        #expect(seen.body == payload)
        #expect(seen.header("Content-Type") == "application/json")
        #expect(seen.header("access_token") == "$secret")
        #expect(seen.header("X-Empty") == "")
        #expect(seen.header("Expect") == nil)
        #expect(seen.header("Content-Length") == String(payload.count))
    }

    @Test func send_LargeBody_WithoutExpectContinue() throws {
        let server = try TestHTTPServer { request in .respond(status: 200, body: Array(String(request.body.count).utf8)) }
        defer { server.stop() }
        let body = [UInt8](repeating: 0x61, count: 300_000)
        let response = try client.send(OutboundRequest(method: "POST", url: server.url, body: body))
        #expect(String(decoding: response.body, as: UTF8.self) == "300000")
        #expect(server.requests.first?.header("Content-Type") == nil)
    }

    @Test func post_WithoutBody_SendsZeroContentLength() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        _ = try client.send(OutboundRequest(method: "POST", url: server.url))
        #expect(server.requests.first?.header("Content-Length") == "0")
    }

    @Test func delete_WithoutBody_SendsNoBody() throws {
        let server = try TestHTTPServer { _ in .respond(status: 204) }
        defer { server.stop() }
        let response = try client.send(OutboundRequest(method: "DELETE", url: server.url + "/v3/payments/pay_1"))
        #expect(response.status == 204)
        #expect(server.requests.first?.method == "DELETE")
        #expect(server.requests.first?.body.isEmpty == true)
    }

    @Test(arguments: [400, 401, 404, 429, 500, 503])
    func send_ReturnsNon2xxAsResponse(status: Int) throws {
        let server = try TestHTTPServer { _ in .respond(status: status, headers: [("Retry-After", "3")], body: Array(#"{"errors":[]}"#.utf8)) }
        defer { server.stop() }
        let response = try client.send(OutboundRequest(method: "GET", url: server.url))
        #expect(response.status == status)
        #expect(response.header("Retry-After") == "3")
        #expect(response.body == Array(#"{"errors":[]}"#.utf8))
    }

    @Test func send_DoesNotFollowRedirects() throws {
        let server = try TestHTTPServer { _ in .respond(status: 302, headers: [("Location", "/elsewhere")]) }
        defer { server.stop() }
        let response = try client.send(OutboundRequest(method: "GET", url: server.url))
        #expect(response.status == 302)
        #expect(response.header("Location") == "/elsewhere")
        #expect(server.requests.count == 1)
    }

    @Test func send_ThrowsConnectFailed_WhenNothingListens() throws {
        let port = try TestSocket.unusedPort()
        #expect {
            try client.send(OutboundRequest(method: "GET", url: "http://127.0.0.1:\(port)/"))
        } throws: { error in
            if case .connectFailed = error as? OutboundError { return true }
            return false
        }
    }

    /// Issue 18 (DNS rebinding): a pinned request goes to the pinned address without resolving the name —
    /// here one no resolver knows — and says that name in `Host`.
    @Test func pinned_MadeUpName_ReachesTheListenerAtThePinnedAddress() throws {
        let server = try TestHTTPServer { _ in .respond(status: 204) }
        defer { server.stop() }
        let url = "http://hooks.pinned-test.invalid:\(server.port)/hook"
        var request = OutboundRequest(method: "POST", url: url, body: Array("{}".utf8))
        request.pinnedAddresses = ["127.0.0.1"]
        request.timeout = 5
        #expect(try client.send(request).status == 204)
        #expect(server.requests.first?.header("Host") == "hooks.pinned-test.invalid:\(server.port)")
        #expect(try client.send(request).status == 204)  // a pooled handle keeps its pin
        #expect(server.requests.count == 2)

        var unpinned = OutboundRequest(method: "POST", url: url, body: Array("{}".utf8))
        unpinned.timeout = 5
        #expect { try client.send(unpinned) } throws: { error in
            if case .connectFailed = error as? OutboundError { return true }
            return false
        }
        #expect(server.requests.count == 2)
    }

    /// Whatever the URL names, a pinned request opens no socket to an address outside the pin: a numeric
    /// host is refused by the socket callback, names (`localhost` too) resolve only to the pin.
    @Test func pinned_RefusesToConnectAnywhereElse_BeforeOpeningASocket() throws {
        let server = try TestHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        for url in [server.url + "/x", "http://[::1]:\(server.port)/x", "http://localhost:\(server.port)/x", "http://2130706433:\(server.port)/x"] {
            var request = OutboundRequest(method: "GET", url: url)
            request.pinnedAddresses = ["127.0.0.2"]
            request.timeout = 5
            #expect { try client.send(request) } throws: { error in
                if case .connectFailed = error as? OutboundError { return true }
                return false
            }
        }
        #expect(server.acceptedConnections == 0)
        #expect(server.requests.isEmpty)
    }

    /// Several pinned addresses are tried in turn, like the answers of a resolver.
    @Test func pinned_TriesEveryPinnedAddress() throws {
        let server = try TestHTTPServer { _ in .respond(status: 200) }
        defer { server.stop() }
        var request = OutboundRequest(method: "GET", url: "http://several.pinned-test.invalid:\(server.port)/")
        request.pinnedAddresses = ["127.0.0.2", "127.0.0.1"]
        request.timeout = 5
        #expect(try client.send(request).status == 200)
        #expect(server.requests.count == 1)
    }

    @Test(arguments: [["example.com"], ["127.0.0.1/32"], [""], Array(repeating: "127.0.0.1", count: 9)])
    func pinned_RefusesAddressesThatAreNotNumeric(pins: [String]) {
        var request = OutboundRequest(method: "GET", url: "http://127.0.0.1:9/")
        request.pinnedAddresses = pins
        #expect { try client.send(request) } throws: { error in
            if case .invalidURL = error as? OutboundError { return true }
            return false
        }
    }

    @Test func send_ThrowsTimeout_WhenServerIsSlowerThanTimeout() throws {
        let server = try TestHTTPServer { _ in .delayed(seconds: 2, status: 200) }
        defer { server.stop() }
        var request = OutboundRequest(method: "GET", url: server.url)
        request.timeout = 0.4
        let started = Date()
        #expect(throws: OutboundError.timeout) { try client.send(request) }
        #expect(Date().timeIntervalSince(started) < 1.5)
    }

    @Test func send_ThrowsTLS_WhenPeerDoesNotSpeakTLS() throws {
        let server = try TestHTTPServer(greeting: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
        defer { server.stop() }
        var request = OutboundRequest(method: "GET", url: "https://127.0.0.1:\(server.port)/")
        request.timeout = 5
        #expect {
            try client.send(request)
        } throws: { error in
            if case .tls = error as? OutboundError { return true }
            return false
        }
    }

    @Test func send_ThrowsOther_WhenServerClosesWithoutAnswer() throws {
        let server = try TestHTTPServer { _ in .close }
        defer { server.stop() }
        #expect {
            try client.send(OutboundRequest(method: "GET", url: server.url))
        } throws: { error in
            if case .other = error as? OutboundError { return true }
            return false
        }
    }

    @Test(arguments: ["", "not a url", "ftp://127.0.0.1/file", "file:///etc/passwd", "http://", "http:///path", "127.0.0.1:80/x"])
    func send_ThrowsInvalidURL_ForNonHTTPURLs(url: String) {
        #expect {
            try client.send(OutboundRequest(method: "GET", url: url))
        } throws: { error in
            if case .invalidURL = error as? OutboundError { return true }
            return false
        }
    }

    @Test func send_RejectsHeaderInjection_WithoutEchoingTheValue() {
        let request = OutboundRequest(method: "GET", url: "http://127.0.0.1:1/",
                                      headers: [("Authorization", "Bearer secret\r\nX-Evil: 1")])
        #expect {
            try client.send(request)
        } throws: { error in
            guard case let .other(_, message) = error as? OutboundError else { return false }
            return !message.contains("secret")
        }
    }

    @Test func send_ReusesOneConnection_ForSequentialRequests() throws {
        let server = try TestHTTPServer { _ in .respond(status: 200, body: Array("ok".utf8)) }
        defer { server.stop() }
        for method in ["GET", "POST", "GET"] {
            let response = try client.send(OutboundRequest(method: method, url: server.url + "/r", body: method == "POST" ? [1] : nil))
            #expect(response.status == 200)
        }
        #expect(server.requests.count == 3)
        #expect(server.acceptedConnections == 1)
        #expect(client.idleHandleCount == 1)
    }

    @Test func send_AbortsOversizedResponse() throws {
        let server = try TestHTTPServer { _ in .respond(status: 200, body: [UInt8](repeating: 1, count: 10_000)) }
        defer { server.stop() }
        var request = OutboundRequest(method: "GET", url: server.url)
        request.maxResponseBytes = 1_000
        #expect {
            try client.send(request)
        } throws: { error in
            guard case let .other(_, message) = error as? OutboundError else { return false }
            return message.contains("exceeds")
        }
    }

    @Test func send_IsSafeFromManyThreads() async throws {
        let server = try TestHTTPServer { request in .respond(status: 200, body: request.body) }
        defer { server.stop() }
        let client = self.client
        let url = server.url
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let body = Array("request \(index)".utf8)
                    let response = try? client.send(OutboundRequest(method: "POST", url: url, body: body))
                    return response?.body == body
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
        #expect(server.acceptedConnections <= 16)
        #expect(client.idleHandleCount <= OutboundHTTPClient.maxIdlePerOrigin)
    }

    @Test func origin_IsLowerCasedSchemeHostPort_WithoutUserinfo() throws {
        #expect(try OutboundHTTPClient.origin(of: "HTTPS://User:pw@API.Example.com:8443/v3?x=1") == "https://api.example.com:8443")
        #expect(try OutboundHTTPClient.origin(of: "http://[::1]:80#frag") == "http://[::1]:80")
    }
}
