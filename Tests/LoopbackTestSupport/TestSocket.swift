import Foundation
import Glibc
import Synchronization

/// Blocking loopback sockets for the test servers and peers of every test target (tests only;
/// production code goes through the Sockets module).
public enum TestSocket {
    public struct Failure: Error, CustomStringConvertible {
        public let call: String
        public let code: Int32
        public var description: String { "\(call) failed: errno \(code)" }
    }

    /// A listening socket on 127.0.0.1 with a kernel-chosen port.
    public static func listen() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && Glibc.listen(fd, 64) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw Failure(call: "bind/listen", code: code)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A port on which nothing listens (bound, then closed).
    public static func unusedPort() throws -> UInt16 {
        let (fd, port) = try listen()
        close(fd)
        return port
    }

    public static func accept(_ fd: Int32) -> Int32? {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 { return client }
            if errno == EINTR { continue }
            return nil
        }
    }

    public static func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    public static func sendAll(_ fd: Int32, _ text: String) { sendAll(fd, Array(text.utf8)) }
}

/// Buffered reads of lines and exact byte counts from a blocking socket.
public final class TestReader {
    public let fd: Int32
    private var buffer: [UInt8] = []

    public init(fd: Int32) { self.fd = fd }

    /// Reads more bytes; false at end of stream or on error.
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

    /// One line without its CRLF (or LF); nil at end of stream.
    public func line() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill() else { return nil }
        }
    }

    public func bytes(_ count: Int) -> [UInt8]? {
        while buffer.count < count {
            guard fill() else { return nil }
        }
        let out = Array(buffer.prefix(count))
        buffer.removeFirst(count)
        return out
    }
}

/// Open client connections of a test server, so `stop()` can unblock their threads.
public final class ConnectionSet: Sendable {
    private let fds = Mutex<Set<Int32>>([])
    private let accepted = Atomic<Int>(0)

    public var acceptedCount: Int { accepted.load(ordering: .sequentiallyConsistent) }

    public init() {}

    public func insert(_ fd: Int32) {
        accepted.add(1, ordering: .sequentiallyConsistent)
        fds.withLock { _ = $0.insert(fd) }
    }

    /// Closes `fd`; only the connection's own thread calls this, so the number is never reused under another thread.
    public func close(_ fd: Int32) {
        fds.withLock { _ = $0.remove(fd) }
        Glibc.close(fd)
    }

    public func shutdownAll() {
        fds.withLock { set in for fd in set { shutdown(fd, Int32(SHUT_RDWR)) } }
    }
}

/// A listening socket on 127.0.0.1 that serves each accepted connection on a thread of its own
/// and closes it when `serve` returns; shared by the test HTTP servers, the SMTP sink and the
/// webhook receiver.
public final class LoopbackListener: Sendable {
    public let port: UInt16
    private let fd: Int32
    private let connections = ConnectionSet()
    /// Seconds a connection's read may block before it fails (nil: forever).
    private let receiveTimeout: Int?

    public init(receiveTimeout: Int? = nil) throws {
        (fd, port) = try TestSocket.listen()
        self.receiveTimeout = receiveTimeout
    }

    /// Starts accepting; `serve` runs once per connection.
    public func start(_ serve: @escaping @Sendable (Int32) -> Void) {
        let thread = Thread { [self] in
            while let client = TestSocket.accept(fd) {
                if let seconds = receiveTimeout {
                    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
                    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                }
                connections.insert(client)
                let worker = Thread { [self] in
                    defer { connections.close(client) }
                    serve(client)
                }
                worker.start()
            }
        }
        thread.start()
    }

    public var acceptedCount: Int { connections.acceptedCount }

    /// Stops accepting and cuts every open connection.
    public func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        connections.shutdownAll()
    }

    deinit { close(fd) }
}
