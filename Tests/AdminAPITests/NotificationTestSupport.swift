import Billing
import Foundation
import LoopbackTestSupport
import Support
import Synchronization

/// A webhook receiver on loopback that verifies Standard Webhooks signatures the way a tenant would,
/// answers with scripted statuses (200 once the script runs out), and records every request.
final class NotifyWebhookReceiver: Sendable {
    struct Request: Sendable {
        let headers: [String: String]
        let body: [UInt8]
        /// Signature valid and timestamp within 5 minutes of the receiver's clock.
        let verified: Bool
        let answered: Int

        var id: String { headers["webhook-id"] ?? "" }
        var timestamp: Int { Int(headers["webhook-timestamp"] ?? "") ?? 0 }
        var json: JSON { (try? JSON.parse(body)) ?? .null }
    }

    private let listener: LoopbackListener
    private let state = Mutex<(secret: String, script: [Int], requests: [Request])>(("", [], []))
    /// The receiver's "now" in Unix seconds (the server's ManualClock in time-travel tests).
    let now: @Sendable () -> Int

    init(now: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }) throws {
        self.now = now
        listener = try LoopbackListener(receiveTimeout: 10)
        listener.start { [self] fd in serve(fd) }
    }

    var port: UInt16 { listener.port }

    var url: String { "http://127.0.0.1:\(port)/hooks" }
    var requests: [Request] { state.withLock { $0.requests } }
    func setSecret(_ s: String) { state.withLock { $0.secret = s } }
    /// Statuses to answer next, in order.
    func script(_ statuses: [Int]) { state.withLock { $0.script = statuses } }

    /// Waits up to `seconds` for at least `count` requests.
    func wait(for count: Int, seconds: Double = 5) -> [Request] {
        let deadline = Date().addingTimeInterval(seconds)
        while requests.count < count, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return requests
    }

    /// The check a receiver runs (docs/NOTIFICATIONS.md): HMAC over "id.timestamp.body", 5-minute tolerance.
    static func verify(secret: String, headers: [String: String], body: [UInt8], now: Int) -> Bool {
        guard let id = headers["webhook-id"], let ts = headers["webhook-timestamp"].flatMap({ Int($0) }),
              let sig = headers["webhook-signature"] else { return false }
        return WebhookSignature.verify(secret: secret, id: id, timestamp: ts, body: body, header: sig, now: now, tolerance: 300)
    }

    private func serve(_ fd: Int32) {
        let reader = TestReader(fd: fd)
        guard let requestLine = reader.line(), requestLine.hasPrefix("POST ") else { return }
        var headers: [String: String] = [:]
        while let line = reader.line(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = reader.bytes(Int(headers["content-length"] ?? "0") ?? 0) ?? []
        let status = state.withLock { s -> Int in
            let answer = s.script.isEmpty ? 200 : s.script.removeFirst()
            let ok = Self.verify(secret: s.secret, headers: headers, body: body, now: now())
            s.requests.append(Request(headers: headers, body: body, verified: ok, answered: ok ? answer : 400))
            return ok ? answer : 400
        }
        TestSocket.sendAll(fd, "HTTP/1.1 \(status) X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    }
}
