import Glibc

/// A raw file descriptor number with the few operations every kind of descriptor shares.
///
/// A plain value: whoever created it owns it and must `close()` it exactly once.
public struct FileDescriptor: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public var description: String { "fd(\(rawValue))" }

    /// Closes the descriptor. `EINTR` from close(2) on Linux still releases the fd, so it is
    /// not retried (retrying could close a descriptor another thread just received).
    public func close() {
        let rc = Glibc.close(rawValue)
        if rc != 0 {
            let code = errno
            precondition(code != EBADF, "close(\(rawValue)) on a descriptor that is not open")
        }
    }

    /// Reads up to `buffer.count` bytes. `.done(0)` means end of stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        try syscall("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Writes up to `buffer.count` bytes (a plain write(2), for eventfd and files).
    public func write(_ buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        try syscall("write") { Glibc.write(rawValue, buffer.baseAddress, buffer.count) }
    }
}
