import Foundation
import Sockets
@testable import HTTP

/// A response as a raw-socket test client read it.
struct TestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

enum TestClientError: Error {
    case timeout
    case closed
    case malformed(String)
}

/// A small blocking HTTP/1.1 client on a raw POSIX socket, so tests see exactly the bytes on the wire.
final class TestClient {
    let fd: FileDescriptor
    private var buffer: [UInt8] = []
    private var closed = false

    init(port: Int, timeout: Double = 5) throws {
        fd = try Socket.connectBlocking(host: "127.0.0.1", port: port)
        try Socket.setReceiveTimeout(fd, seconds: timeout)
    }

    deinit { if !closed { fd.close() } }

    func send(_ text: String) throws { try Socket.sendAll(fd, Array(text.utf8)) }
    func send(bytes: [UInt8]) throws { try Socket.sendAll(fd, bytes) }

    /// Closes with RST (SO_LINGER 0), like a client that crashed.
    func reset() {
        try? Socket.setLingerReset(fd)
        fd.close()
        closed = true
    }

    func close() {
        fd.close()
        closed = true
    }

    /// Reads more bytes; false at end of stream.
    @discardableResult
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let result = try chunk.withUnsafeMutableBytes { try Socket.receive(fd, into: $0) }
        switch result {
        case .wouldBlock: throw TestClientError.timeout
        case .done(0): return false
        case .done(let n):
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    private func readLine() throws -> String {
        while true {
            if let lf = buffer.firstIndex(of: 10) {
                var line = Array(buffer[0..<lf])
                if line.last == 13 { line.removeLast() }
                buffer.removeFirst(lf + 1)
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw TestClientError.closed }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw TestClientError.closed }
        }
        let out = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return out
    }

    /// Reads one response (a HEAD response when `head` says so, which has no body).
    func readResponse(head: Bool = false) throws -> TestResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestClientError.malformed(statusLine) }
        var headers: [(String, String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError.malformed(line) }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        if head || status == 304 || status == 204 || status < 200 { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            response.body = try readExactly(length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else { throw TestClientError.malformed(sizeLine) }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                response.body += try readExactly(size)
                _ = try readLine()
            }
        } else {
            while try fill() {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    /// True when the server closed the connection (EOF) within the receive timeout.
    func isClosedByServer() -> Bool {
        do {
            while buffer.isEmpty {
                if try !fill() { return true }
            }
            return false
        } catch let error as SyscallError where error.isDisconnect {
            return true
        } catch {
            return false
        }
    }
}

/// Runs `body` against a live server on an ephemeral port, then shuts it down and waits for it.
func withServer(
    _ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    responder: any HTTPResponder,
    _ body: (HTTPServer) throws -> Void
) throws {
    var configuration = HTTPServerConfiguration()
    configuration.port = 0
    configuration.workerCount = 4
    configuration.shutdownGrace = 2
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, responder: responder, logger: Logger(level: .warning))
    try server.start()
    defer {
        server.shutdown()
        server.run()
    }
    try body(server)
}

import Support

/// Echoes method, path, query and body; `/sleep?ms=N` sleeps first.
struct EchoResponder: HTTPResponder {
    func respond(to request: HTTPRequest) -> HTTPResponse {
        if request.path == "/sleep", let ms = request.query["ms"].flatMap(Int.init) {
            Thread.sleep(forTimeInterval: Double(ms) / 1000)
        }
        var text = "\(request.method.rawValue) \(request.path)"
        for item in request.queryItems { text += " \(item.name)=\(item.value)" }
        if !request.body.isEmpty { text += " body=" + String(decoding: request.body, as: UTF8.self) }
        var response = HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: .bytes(Array(text.utf8)))
        response.logFields = [("action", "echo")]
        return response
    }
}
