import Foundation
import Glibc
import Synchronization

/// A tiny SMTP receiver (RFC 5321 happy path plus AUTH PLAIN) that records what it is sent.
public final class TestSMTPSink: Sendable {
    public struct Received: Sendable {
        public var mailFrom = ""
        public var recipients: [String] = []
        public var data = ""
        /// Decoded `AUTH PLAIN` credential as (user, password), if the client logged in.
        public var credential: (String, String)?

        /// The message's header fields in order, folded lines joined.
        public var head: [(String, String)] {
            var out: [(String, String)] = []
            for line in data.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n") {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), !out.isEmpty { out[out.count - 1].1 += line; continue }
                if let colon = line.firstIndex(of: ":") {
                    out.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
                }
            }
            return out
        }

        /// The first header field called `name` (any case).
        public func header(_ name: String) -> String? { head.first { $0.0.lowercased() == name.lowercased() }?.1 }

        /// Everything after the header.
        public var body: String { data.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
    }

    private let listener: LoopbackListener
    private let received = Mutex<[Received]>([])

    public init(receiveTimeout: Int? = nil) throws {
        listener = try LoopbackListener(receiveTimeout: receiveTimeout)
        listener.start { [self] fd in serve(fd) }
    }

    public var port: UInt16 { listener.port }

    public var url: String { "smtp://127.0.0.1:\(port)" }
    public var messages: [Received] { received.withLock { $0 } }

    public func stop() { listener.stop() }

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
