import Billing
import Foundation
import Glibc
import Support
import Synchronization

/// Blocking loopback sockets for the notification test peers (an SMTP sink and a webhook receiver).
enum NotifySocket {
    struct Failure: Error { let call: String }

    /// A listening socket on 127.0.0.1 with a kernel-chosen port.
    static func listen() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(fd, p, length) == 0 && Glibc.listen(fd, 64) == 0 && getsockname(fd, p, &length) == 0
            }
        }
        guard ok else { close(fd); throw Failure(call: "bind/listen") }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A port on which nothing listens.
    static func unusedPort() throws -> UInt16 {
        let (fd, port) = try listen()
        close(fd)
        return port
    }

    static func sendAll(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Accepts until the listener is shut down, serving each connection on its own thread.
    static func serve(_ listener: Int32, _ handle: @escaping @Sendable (Int32) -> Void) {
        let thread = Thread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { if errno == EINTR { continue }; return }
                var timeout = timeval(tv_sec: 10, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                Thread { handle(client); close(client) }.start()
            }
        }
        thread.start()
    }
}

/// Buffered line and byte reads from a blocking socket.
final class NotifyReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    init(fd: Int32) { self.fd = fd }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            buffer += chunk.prefix(n)
            return true
        }
    }

    func line() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill() else { return nil }
        }
    }

    func bytes(_ count: Int) -> [UInt8]? {
        while buffer.count < count { guard fill() else { return nil } }
        let out = Array(buffer.prefix(count))
        buffer.removeFirst(count)
        return out
    }
}

/// A small SMTP receiver (RFC 5321 happy path) that records every message it accepts.
final class NotifySMTPSink: Sendable {
    struct Message: Sendable {
        var mailFrom = ""
        var recipients: [String] = []
        var data = ""

        var head: [(String, String)] {
            var out: [(String, String)] = []
            for line in data.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n") {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), !out.isEmpty { out[out.count - 1].1 += line; continue }
                if let colon = line.firstIndex(of: ":") {
                    out.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
                }
            }
            return out
        }
        func header(_ name: String) -> String? { head.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var body: String { data.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
    }

    let port: UInt16
    private let listener: Int32
    private let received = Mutex<[Message]>([])

    init() throws {
        (listener, port) = try NotifySocket.listen()
        NotifySocket.serve(listener) { [self] fd in serve(fd) }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    var url: String { "smtp://127.0.0.1:\(port)" }
    var messages: [Message] { received.withLock { $0 } }

    private func serve(_ fd: Int32) {
        let reader = NotifyReader(fd: fd)
        var current = Message()
        NotifySocket.sendAll(fd, "220 sink.test ESMTP\r\n")
        while let line = reader.line() {
            let upper = line.uppercased()
            if upper.hasPrefix("EHLO") {
                NotifySocket.sendAll(fd, "250-sink.test\r\n250 8BITMIME\r\n")
            } else if upper.hasPrefix("HELO") || upper == "RSET" || upper == "NOOP" {
                NotifySocket.sendAll(fd, "250 OK\r\n")
            } else if upper.hasPrefix("MAIL FROM:") {
                current.mailFrom = Self.angle(line)
                NotifySocket.sendAll(fd, "250 OK\r\n")
            } else if upper.hasPrefix("RCPT TO:") {
                current.recipients.append(Self.angle(line))
                NotifySocket.sendAll(fd, "250 OK\r\n")
            } else if upper == "DATA" {
                NotifySocket.sendAll(fd, "354 go ahead\r\n")
                var lines: [String] = []
                while let l = reader.line(), l != "." { lines.append(l.hasPrefix("..") ? String(l.dropFirst()) : l) }
                current.data = lines.joined(separator: "\r\n") + "\r\n"
                let message = current
                received.withLock { $0.append(message) }
                current = Message()
                NotifySocket.sendAll(fd, "250 OK queued\r\n")
            } else if upper == "QUIT" {
                NotifySocket.sendAll(fd, "221 bye\r\n")
                return
            } else {
                NotifySocket.sendAll(fd, "502 not implemented\r\n")
            }
        }
    }

    private static func angle(_ line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line.lastIndex(of: ">"), open < close else { return "" }
        return String(line[line.index(after: open)..<close])
    }
}

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

    let port: UInt16
    private let listener: Int32
    private let state = Mutex<(secret: String, script: [Int], requests: [Request])>(("", [], []))
    /// The receiver's "now" in Unix seconds (the server's ManualClock in time-travel tests).
    let now: @Sendable () -> Int

    init(now: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }) throws {
        self.now = now
        (listener, port) = try NotifySocket.listen()
        NotifySocket.serve(listener) { [self] fd in serve(fd) }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

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
        let reader = NotifyReader(fd: fd)
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
        NotifySocket.sendAll(fd, "HTTP/1.1 \(status) X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    }
}
