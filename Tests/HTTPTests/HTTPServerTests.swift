import Foundation
import Synchronization
import Testing
import Sockets
import Support
@testable import HTTP

private let get = "GET / HTTP/1.1\r\nHost: t\r\n\r\n"

@Suite(.serialized)
struct HTTPServerTests {
    @Test func server_ServesSeveralRequests_WhenConnectionIsKeptAlive() throws {
        try withServer(responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port)
            for i in 0..<3 {
                try client.send("GET /k\(i)?action=a%5Fb HTTP/1.1\r\nHost: t\r\nX-Request-Id: req-\(i)\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.bodyText == "GET /k\(i) action=a_b")
                #expect(response.header("X-Request-Id") == "req-\(i)")
                #expect(response.header("Date")?.hasSuffix(" GMT") == true)
                #expect(response.header("X-Content-Type-Options") == "nosniff")
                #expect(response.header("Connection") == nil)
            }
        }
    }

    @Test func server_AnswersInOrder_WhenRequestsArePipelined() throws {
        try withServer(responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /sleep?ms=50 HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\n"
                + "POST /three HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx")
            #expect(try client.readResponse().bodyText == "GET /sleep ms=50")
            #expect(try client.readResponse().bodyText == "GET /two")
            #expect(try client.readResponse().bodyText == "POST /three body=x")
        }
    }

    @Test func server_DechunksBody_WhenRequestIsChunked() throws {
        try withServer(responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n")
            Thread.sleep(forTimeInterval: 0.05)
            try client.send("5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n")
            #expect(try client.readResponse().bodyText == "POST /c body=Wikipedia")
        }
    }

    @Test func server_SendsContinueThenResponse_WhenExpect100() throws {
        try withServer(responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            try client.send("data")
            #expect(try client.readResponse().bodyText == "POST /e body=data")
        }
    }

    @Test func server_Answers413WithoutContinue_WhenExpectedBodyTooLarge() throws {
        try withServer({ $0.maxBodyBytes = 10 }, responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(response.bodyText == #"{"error":{"message":"request body too large","code":"payload_too_large","status":413}}"#)
            #expect(client.isClosedByServer())
        }
    }

    @Test func server_Answers413BeforeReading_WhenBodyTooLarge() throws {
        try withServer({ $0.maxBodyBytes = 1000 }, responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "x", count: 50_000))
            #expect(try client.readResponse().status == 413)
        }
    }

    @Test func server_AnswersLimitStatuses_WhenHeadIsTooLarge() throws {
        try withServer(responder: EchoResponder()) { server in
            let long = try TestClient(port: server.port)
            try long.send("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: t\r\n\r\n")
            let r414 = try long.readResponse()
            #expect(r414.status == 414)
            #expect(r414.bodyText.contains(#""code":"uri_too_long""#))

            let many = try TestClient(port: server.port)
            var text = "GET / HTTP/1.1\r\nHost: t\r\n"
            for i in 0..<101 { text += "X-\(i): v\r\n" }
            try many.send(text + "\r\n")
            let r431 = try many.readResponse()
            #expect(r431.status == 431)
            #expect(r431.bodyText.contains(#""code":"header_fields_too_large""#))

            let big = try TestClient(port: server.port)
            try big.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + String(repeating: "b", count: 33 * 1024) + "\r\n\r\n")
            #expect(try big.readResponse().status == 431)
        }
    }

    @Test func server_Answers400AndCloses_WhenFramingIsAmbiguous() throws {
        try withServer(responder: EchoResponder()) { server in
            for bad in ["GET / HTTP/1.1\r\n\r\n",
                        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n"] {
                let client = try TestClient(port: server.port)
                try client.send(bad)
                let response = try client.readResponse()
                #expect(response.status == 400)
                #expect(response.header("Connection") == "close")
                #expect(response.bodyText.contains(#""code":"bad_request""#))
                #expect(client.isClosedByServer())
            }
        }
    }

    @Test func server_ClosesAfterResponse_WhenHTTP10() throws {
        try withServer(responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port)
            try client.send("GET /old HTTP/1.0\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.bodyText == "GET /old")
            #expect(response.header("Connection") == "close")
            #expect(client.isClosedByServer())
        }
    }

    @Test func server_SendsHeadersWithoutBody_WhenMethodIsHEAD() throws {
        try withServer(responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port)
            try client.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readResponse(head: true)
            #expect(head.header("Content-Length") == "7")  // "HEAD /h"
            try client.send(get)
            #expect(try client.readResponse().bodyText == "GET /")
        }
    }

    @Test func server_DropsSlowClient_WhenHeaderDeadlinePasses() throws {
        try withServer({ $0.headerReadTimeout = 0.5 }, responder: EchoResponder()) { server in
            let slow = try TestClient(port: server.port, timeout: 3)
            let started = Date()
            var dropped = false
            for byte in "GET / HTTP/1.1\r\nHost: t\r\n".utf8 {
                do { try slow.send(bytes: [byte]) } catch { dropped = true; break }
                Thread.sleep(forTimeInterval: 0.1)
                if Date().timeIntervalSince(started) > 1.0 { break }
            }
            let response = try? slow.readResponse()
            #expect(dropped || response?.status == 408)
            #expect(Date().timeIntervalSince(started) < 2)
            // Other clients were served all along.
            let other = try TestClient(port: server.port)
            try other.send(get)
            #expect(try other.readResponse().status == 200)
        }
    }

    @Test func server_ClosesIdleConnection_WhenIdleTimeoutPasses() throws {
        try withServer({ $0.idleTimeout = 0.3 }, responder: EchoResponder()) { server in
            let client = try TestClient(port: server.port, timeout: 2)
            try client.send(get)
            _ = try client.readResponse()
            let started = Date()
            #expect(client.isClosedByServer())
            #expect(Date().timeIntervalSince(started) < 1.5)
        }
    }

    @Test func server_ServesAll_When200ConnectionsAreOpen() throws {
        try withServer({ $0.workerCount = 8 }, responder: EchoResponder()) { server in
            let clients = try (0..<200).map { _ in try TestClient(port: server.port) }
            for (i, client) in clients.enumerated() { try client.send("GET /c\(i) HTTP/1.1\r\nHost: t\r\n\r\n") }
            for (i, client) in clients.enumerated() { #expect(try client.readResponse().bodyText == "GET /c\(i)") }
            #expect(server.metrics.openConnectionCount == 200)
        }
    }

    @Test func server_KeepsServing_WhenClientsDisconnectAbruptly() throws {
        let streaming = HTTPClosureResponder { request in
            if request.path == "/stream" {
                return HTTPResponse(status: .ok, body: .stream { write in
                    for _ in 0..<2000 { try write([UInt8](repeating: 65, count: 16 * 1024)) }
                })
            }
            return EchoResponder().respond(to: request)
        }
        try withServer(responder: streaming) { server in
            // Mid-request: half a head, then RST.
            let a = try TestClient(port: server.port)
            try a.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
            a.reset()
            // Mid-response: read a little of a 32 MB stream, then RST.
            let b = try TestClient(port: server.port)
            try b.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.1)
            b.reset()
            Thread.sleep(forTimeInterval: 0.2)
            let c = try TestClient(port: server.port)
            try c.send(get)
            #expect(try c.readResponse().status == 200)
            // The dead connections are gone.
            Thread.sleep(forTimeInterval: 0.2)
            #expect(server.metrics.openConnectionCount == 1)
        }
    }

    @Test func server_StreamsChunkedBody_WhenResponseIsStream() throws {
        let responder = HTTPClosureResponder { _ in
            HTTPResponse(status: .ok, body: .stream { write in
                for i in 0..<100 { try write(Array("line \(i)\n".utf8)) }
            })
        }
        try withServer(responder: responder) { server in
            let client = try TestClient(port: server.port)
            try client.send(get)
            let response = try client.readResponse()
            #expect(response.header("Transfer-Encoding") == "chunked")
            #expect(response.bodyText.hasPrefix("line 0\nline 1\n"))
            #expect(response.bodyText.hasSuffix("line 99\n"))
            try client.send(get)
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func server_FinishesInFlightRequest_WhenShutdownDuringSlowHandler() throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workerCount = 2
        configuration.shutdownGrace = 5
        let server = HTTPServer(configuration: configuration, responder: EchoResponder(), logger: Logger(level: .warning))
        try server.start()
        let client = try TestClient(port: server.port)
        let idle = try TestClient(port: server.port)
        try client.send("GET /sleep?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.1)
        let started = Date()
        server.shutdown()
        #expect(idle.isClosedByServer())
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "GET /sleep ms=400")
        server.run()
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(throws: (any Error).self) { _ = try TestClient(port: server.port) }
    }

    @Test func server_Answers503WithRetryAfter_WhenQueueIsFull() throws {
        let gate = DispatchSemaphore(value: 0)
        let blocking = HTTPClosureResponder { request in
            if request.path == "/block" { gate.wait() }
            return HTTPResponse(status: .ok)
        }
        try withServer({ $0.workerCount = 1; $0.maxQueuedRequests = 1 }, responder: blocking) { server in
            defer { for _ in 0..<3 { gate.signal() } }
            let a = try TestClient(port: server.port)
            try a.send("GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.1)
            let b = try TestClient(port: server.port)
            try b.send("GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.1)
            let c = try TestClient(port: server.port)
            try c.send(get)
            let response = try c.readResponse()
            #expect(response.status == 503)
            #expect(response.header("Retry-After") == "1")
            #expect(response.bodyText.contains(#""code":"service_unavailable""#))
            #expect(server.metrics.rejectedCount == 1)
            gate.signal()
            gate.signal()
            #expect(try a.readResponse().status == 200)
            #expect(try b.readResponse().status == 200)
        }
    }

    /// A deferred response frees its worker at once: with one worker, a request that waits for its answer on
    /// another thread does not hold up the next one, and its answer still arrives, whole, on its connection.
    @Test func server_ServesOtherRequests_WhileADeferredResponseWaits() throws {
        let gate = DispatchSemaphore(value: 0)
        let responder = HTTPClosureResponder { request in
            guard request.path == "/later" else { return HTTPResponse(status: .ok, body: .bytes(Array("now".utf8))) }
            return .deferred { sink in
                Thread {
                    gate.wait()
                    sink.send(HTTPResponse(status: .accepted, headers: HTTPHeaders([("X-Later", "yes")]), body: .bytes(Array("later".utf8))))
                }.start()
            }
        }
        try withServer({ $0.workerCount = 1 }, responder: responder) { server in
            let waiting = try TestClient(port: server.port)
            try waiting.send("GET /later HTTP/1.1\r\nHost: t\r\nX-Request-Id: deferred-1\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.05)
            for _ in 0..<3 {
                let other = try TestClient(port: server.port)
                try other.send(get)
                #expect(try other.readResponse().bodyText == "now")
            }
            gate.signal()
            let answer = try waiting.readResponse()
            #expect(answer.status == 202 && answer.bodyText == "later" && answer.header("X-Later") == "yes")
            #expect(answer.header("X-Request-Id") == "deferred-1" && answer.header("Date")?.hasSuffix(" GMT") == true)
            // Keep-alive still works after a deferred answer.
            try waiting.send(get)
            #expect(try waiting.readResponse().bodyText == "now")
            #expect(server.metrics.renderPrometheus().contains("202"))
        }
    }

    /// A responder that drops its sink without answering gets a 500 to its client, not a connection that hangs.
    @Test func server_Answers500_WhenADeferredResponseIsNeverGiven() throws {
        let responder = HTTPClosureResponder { _ in .deferred { _ in } }
        try withServer(responder: responder) { server in
            let client = try TestClient(port: server.port)
            try client.send(get)
            let answer = try client.readResponse()
            #expect(answer.status == 500 && answer.bodyText.contains("internal_error"))
        }
    }

    /// `map` reaches a deferred answer; `waitingForDeferred` blocks for it (in-process callers).
    @Test func deferred_MapsAndWaits() {
        let response = HTTPResponse.deferred { sink in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { sink.send(HTTPResponse(status: .ok)) }
        }.map { r in
            var r = r
            r.headers.add("X-Mapped", "1")
            return r
        }
        let answer = response.waitingForDeferred()
        #expect(answer.status == .ok && answer.headers["X-Mapped"] == "1" && answer.deferral == nil)
        #expect(HTTPResponse(status: .noContent).map { _ in HTTPResponse(status: .accepted) }.status == .accepted)
    }

    @Test func server_LogsAccessLineWithoutSecrets_WhenRequestServed() throws {
        let lines = Mutex<[String]>([])
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workerCount = 1
        let logger = Logger(level: .info) { line in lines.withLock { $0.append(line) } }
        let server = HTTPServer(configuration: configuration, responder: EchoResponder(), logger: logger)
        try server.start()
        let client = try TestClient(port: server.port)
        try client.send("POST /log HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\nCookie: c=1\r\nContent-Length: 6\r\n\r\nsecret")
        _ = try client.readResponse()
        server.shutdown()
        server.run()
        let line = lines.withLock { $0 }.first { $0.contains("msg=request") } ?? ""
        #expect(line.contains("method=POST"))
        #expect(line.contains("path=/log"))
        #expect(line.contains("status=200"))
        #expect(line.contains("duration_us="))
        #expect(line.contains("action=echo"))
        #expect(line.contains("remote=127.0.0.1"))
        #expect(!line.contains("s3cret") && !line.contains("c=1") && !line.contains("secret"))
    }
}
