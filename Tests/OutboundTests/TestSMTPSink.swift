import Foundation
import Glibc
import Synchronization

/// A tiny SMTP receiver (RFC 5321 happy path plus AUTH PLAIN) that records what it is sent.
final class TestSMTPSink: Sendable {
    struct Received: Sendable {
        var mailFrom = ""
        var recipients: [String] = []
        var data = ""
        /// Decoded `AUTH PLAIN` credential as (user, password), if the client logged in.
        var credential: (String, String)?
    }

    private let listener: LoopbackListener
    private let received = Mutex<[Received]>([])

    init() throws {
        listener = try LoopbackListener()
        listener.start { [self] fd in serve(fd) }
    }

    var port: UInt16 { listener.port }

    var url: String { "smtp://127.0.0.1:\(port)" }
    var messages: [Received] { received.withLock { $0 } }

    func stop() { listener.stop() }

    private func serve(_ fd: Int32) {
        let reader = TestReader(fd: fd)
        var current = Received()
        TestSocket.sendAll(fd, "220 sink.test ESMTP ready\r\n")
        while let line = reader.line() {
            let upper = line.uppercased()
            if upper.hasPrefix("EHLO") {
                TestSocket.sendAll(fd, "250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
            } else if upper.hasPrefix("HELO") {
                TestSocket.sendAll(fd, "250 sink.test\r\n")
            } else if upper.hasPrefix("AUTH PLAIN") {
                var encoded = String(line.dropFirst("AUTH PLAIN".count)).trimmingCharacters(in: .whitespaces)
                if encoded.isEmpty {
                    TestSocket.sendAll(fd, "334 \r\n")
                    encoded = reader.line() ?? ""
                }
                let parts = (Data(base64Encoded: encoded).map { [UInt8]($0) } ?? []).split(separator: 0, omittingEmptySubsequences: false)
                if parts.count == 3 {
                    current.credential = (String(decoding: parts[1], as: UTF8.self), String(decoding: parts[2], as: UTF8.self))
                }
                TestSocket.sendAll(fd, "235 2.7.0 Authentication successful\r\n")
            } else if upper.hasPrefix("MAIL FROM:") {
                current.mailFrom = Self.angleAddress(line)
                TestSocket.sendAll(fd, "250 OK\r\n")
            } else if upper.hasPrefix("RCPT TO:") {
                current.recipients.append(Self.angleAddress(line))
                TestSocket.sendAll(fd, "250 OK\r\n")
            } else if upper == "DATA" {
                TestSocket.sendAll(fd, "354 End data with <CR><LF>.<CR><LF>\r\n")
                var lines: [String] = []
                while let dataLine = reader.line(), dataLine != "." {
                    lines.append(dataLine.hasPrefix("..") ? String(dataLine.dropFirst()) : dataLine)  // RFC 5321 §4.5.2
                }
                current.data = lines.joined(separator: "\r\n") + "\r\n"
                let message = current
                received.withLock { $0.append(message) }
                current = Received(credential: current.credential)
                TestSocket.sendAll(fd, "250 OK queued\r\n")
            } else if upper == "QUIT" {
                TestSocket.sendAll(fd, "221 Bye\r\n")
                return
            } else if upper == "RSET" || upper == "NOOP" {
                TestSocket.sendAll(fd, "250 OK\r\n")
            } else {
                TestSocket.sendAll(fd, "502 Command not implemented\r\n")
            }
        }
    }

    private static func angleAddress(_ line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line.lastIndex(of: ">"), open < close else { return "" }
        return String(line[line.index(after: open)..<close])
    }
}
