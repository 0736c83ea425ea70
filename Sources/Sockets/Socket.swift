import Glibc
import CSystemLinux

/// TCP socket operations over `FileDescriptor`: listening, accepting, non-blocking I/O, options.
///
/// Every socket made here is non-blocking and close-on-exec; sends use `MSG_NOSIGNAL`
/// so a peer that went away yields `EPIPE` instead of killing the process with SIGPIPE.
public enum Socket {
    /// Creates an IPv4 TCP listener with `SO_REUSEADDR`, bound to `host:port` (0 = ephemeral).
    public static func makeListener(host: String, port: Int, backlog: Int32 = 1024) throws -> FileDescriptor {
        let fd = FileDescriptor(rawValue: try syscallBlocking("socket") { Glibc.socket(AF_INET, csl_SOCK_STREAM_NONBLOCK_CLOEXEC(), 0) })
        do {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, name: "setsockopt(SO_REUSEADDR)")
            var address = try makeAddress(host: host, port: port)
            _ = try withUnsafePointer(to: &address) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    try syscallBlocking("bind") { Glibc.bind(fd.rawValue, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            try syscallBlocking("listen") { Glibc.listen(fd.rawValue, backlog) }
            return fd
        } catch {
            fd.close()
            throw error
        }
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket with its peer's IPv4 address.
    public static func accept(_ listener: FileDescriptor) throws -> IOResult<(FileDescriptor, String)> {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try syscall("accept4") { csl_accept4(listener.rawValue, sa, &length, csl_SOCK_NONBLOCK_CLOEXEC()) }
            }
        }
        switch result {
        case .wouldBlock: return .wouldBlock
        case .done(let raw): return .done((FileDescriptor(rawValue: raw), describe(address)))
        }
    }

    /// Connects a blocking client socket (used by tests and tools, never by the server loop).
    public static func connectBlocking(host: String, port: Int) throws -> FileDescriptor {
        let fd = FileDescriptor(rawValue: try syscallBlocking("socket") { Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) })
        do {
            var address = try makeAddress(host: host, port: port)
            _ = try withUnsafePointer(to: &address) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    try syscallBlocking("connect") { Glibc.connect(fd.rawValue, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            return fd
        } catch {
            fd.close()
            throw error
        }
    }

    /// Receives up to `buffer.count` bytes. `.done(0)` is an orderly end of stream.
    public static func receive(_ fd: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        try syscall("recv") { Glibc.recv(fd.rawValue, buffer.baseAddress, buffer.count, 0) }
    }

    /// Sends bytes with `MSG_NOSIGNAL`; may write fewer than asked.
    public static func send(_ fd: FileDescriptor, _ buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        try syscall("send") { Glibc.send(fd.rawValue, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends all of `bytes` on a blocking socket (test clients and tools).
    public static func sendAll(_ fd: FileDescriptor, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let result = try bytes.withUnsafeBytes { raw in
                try send(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            switch result {
            case .done(let n): offset += n
            case .wouldBlock: throw SyscallError(call: "send", errno: EAGAIN)
            }
        }
    }

    /// Half-closes the sending side (`SHUT_WR`): the peer reads end-of-stream after our last byte.
    public static func shutdownWrite(_ fd: FileDescriptor) {
        _ = try? syscall("shutdown") { Glibc.shutdown(fd.rawValue, Int32(SHUT_WR)) }
    }

    /// Disables Nagle's algorithm, so a response written in one call leaves at once
    /// (Nagle + delayed ACK is what cost FlyingFox 40 ms per request; see STYLE.md 16).
    public static func setNoDelay(_ fd: FileDescriptor) throws {
        try setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, name: "setsockopt(TCP_NODELAY)")
    }

    /// Sets `SO_RCVTIMEO` on a blocking socket (test clients only).
    public static func setReceiveTimeout(_ fd: FileDescriptor, seconds: Double) throws {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        try syscallBlocking("setsockopt(SO_RCVTIMEO)") {
            Glibc.setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    /// Sets `SO_LINGER {on, 0}` so close(2) sends RST (tests simulate abrupt disconnects with it).
    public static func setLingerReset(_ fd: FileDescriptor) throws {
        var value = linger(l_onoff: 1, l_linger: 0)
        try syscallBlocking("setsockopt(SO_LINGER)") {
            Glibc.setsockopt(fd.rawValue, SOL_SOCKET, SO_LINGER, &value, socklen_t(MemoryLayout<linger>.size))
        }
    }

    /// The local port a socket is bound to.
    public static func localPort(_ fd: FileDescriptor) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try syscallBlocking("getsockname") { Glibc.getsockname(fd.rawValue, sa, &length) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func setOption(_ fd: FileDescriptor, _ level: Int32, _ option: Int32, _ value: Int32, name: String) throws {
        var v = value
        try syscallBlocking(name) { Glibc.setsockopt(fd.rawValue, level, option, &v, socklen_t(MemoryLayout<Int32>.size)) }
    }

    private static func makeAddress(host: String, port: Int) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        let name = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, name, &address.sin_addr) == 1 else {
            throw SyscallError(call: "inet_pton(\(host))", errno: EINVAL)
        }
        return address
    }

    private static func describe(_ address: sockaddr_in) -> String {
        var addr = address.sin_addr
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &addr, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
