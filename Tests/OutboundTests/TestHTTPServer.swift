import Foundation
import Glibc
import LoopbackTestSupport
import Synchronization

/// A tiny blocking HTTP/1.1 server on 127.0.0.1 for client tests: one thread
/// accepts, one thread per connection answers requests in order, keep-alive by default.
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        let method: String
        let target: String
        let headers: [(String, String)]
        let body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
        /// Sleeps, then answers.
        case delayed(seconds: Double, status: Int)
        /// Closes the connection without answering.
        case close
    }

    typealias Handler = @Sendable (Request) -> Reply

    private let listener: LoopbackListener
    private let handler: Handler
    private let greeting: [UInt8]?
    private let received = Mutex<[Request]>([])

    /// `greeting`, when set, is written to every new connection, which is then closed
    /// unread (to play a server that does not speak TLS, for example).
    init(greeting: [UInt8]? = nil, handler: @escaping Handler = { _ in .respond(status: 200) }) throws {
        listener = try LoopbackListener()
        self.handler = handler
        self.greeting = greeting
        listener.start { [self] fd in serve(fd) }
    }

    var port: UInt16 { listener.port }

    var url: String { "http://127.0.0.1:\(port)" }
    var acceptedConnections: Int { listener.acceptedCount }
    var requests: [Request] { received.withLock { $0 } }

    func stop() { listener.stop() }

    private func serve(_ fd: Int32) {
        if let greeting {
            TestSocket.sendAll(fd, greeting)
            return
        }
        let reader = TestReader(fd: fd)
        while let requestLine = reader.line(), !requestLine.isEmpty {
            let parts = requestLine.split(separator: " ")
            guard parts.count == 3 else { return }
            var headers: [(String, String)] = []
            while let line = reader.line(), !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else { return }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
            guard let body = reader.bytes(length) else { return }
            let request = Request(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body)
            received.withLock { $0.append(request) }

            switch handler(request) {
            case .close:
                return
            case let .delayed(seconds, status):
                Thread.sleep(forTimeInterval: seconds)
                write(fd, status: status, headers: [], body: [], to: request)
            case let .respond(status, extra, body):
                write(fd, status: status, headers: extra, body: body, to: request)
            }
            if request.header("Connection")?.lowercased() == "close" { return }
        }
    }

    private func write(_ fd: Int32, status: Int, headers: [(String, String)], body: [UInt8], to request: Request) {
        var head = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        TestSocket.sendAll(fd, Array(head.utf8) + (request.method == "HEAD" ? [] : body))
    }
}
