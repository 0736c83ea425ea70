import Glibc
import CSystemLinux

/// The outcome of a non-blocking syscall: it either did its work or would have blocked.
///
/// `EAGAIN`/`EWOULDBLOCK` is a normal answer on a non-blocking descriptor, so it is a value, not an error.
public enum IOResult<T> {
    case done(T)
    case wouldBlock
}

extension IOResult: Sendable where T: Sendable {}
extension IOResult: Equatable where T: Equatable {}

/// A failed syscall: which call and the errno it left.
public struct SyscallError: Error, Equatable, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// The peer went away (reset, broken pipe): an ordinary end of a connection, not a server fault.
    public var isDisconnect: Bool {
        errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN || errno == ETIMEDOUT
    }
}

/// The one errno gate every syscall in this module goes through.
///
/// - retries `EINTR` (a signal interrupted the call; that is not a failure),
/// - returns `.wouldBlock` for `EAGAIN`/`EWOULDBLOCK`,
/// - traps on `EBADF`/`EFAULT`: a bad descriptor or pointer is our bug, and continuing could
///   write into someone else's reused descriptor (the same policy as SwiftNIO's `syscall(blocking:)`),
/// - throws `SyscallError(call:errno:)` for everything else.
@inline(__always)
public func syscall<T: FixedWidthInteger>(_ call: @autoclosure () -> String, _ body: () -> T) throws -> IOResult<T> {
    while true {
        let result = body()
        if result >= 0 { return .done(result) }
        let code = csl_errno()
        switch code {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK:
            return .wouldBlock
        case EBADF, EFAULT:
            preconditionFailure("\(call()) failed with unacceptable errno \(code): a descriptor or pointer bug")
        default:
            throw SyscallError(call: call(), errno: code)
        }
    }
}

/// Like `syscall(_:_:)` for calls that never legitimately block (bind, listen, setsockopt…):
/// an `EAGAIN` there is reported as an error rather than silently ignored.
@inline(__always)
@discardableResult
public func syscallBlocking<T: FixedWidthInteger>(_ call: @autoclosure () -> String, _ body: () -> T) throws -> T {
    switch try syscall(call(), body) {
    case .done(let value): return value
    case .wouldBlock: throw SyscallError(call: call(), errno: EAGAIN)
    }
}
