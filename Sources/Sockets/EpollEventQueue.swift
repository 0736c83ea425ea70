import Glibc
import CSystemLinux

/// `EventQueue` on Linux epoll (level-triggered) with an eventfd for cross-thread wake-ups.
public final class EpollEventQueue: EventQueue, @unchecked Sendable {
    // @unchecked: `wake()` only writes to the eventfd, which is safe from any thread; all other
    // methods are documented as loop-thread only.
    private let epoll: FileDescriptor
    private let wakeFD: FileDescriptor
    private var buffer: [csl_epoll_notification]
    /// The key the eventfd is registered under; never handed to callers.
    private static let wakeKey = UInt64.max

    public init(maxEventsPerWait: Int = 256) throws {
        epoll = FileDescriptor(rawValue: try syscallBlocking("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) })
        do {
            wakeFD = FileDescriptor(rawValue: try syscallBlocking("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) })
        } catch {
            epoll.close()
            throw error
        }
        buffer = Array(repeating: csl_epoll_notification(), count: max(1, min(512, maxEventsPerWait)))
        try syscallBlocking("epoll_ctl(ADD eventfd)") {
            csl_epoll_ctl(epoll.rawValue, EPOLL_CTL_ADD, wakeFD.rawValue, csl_EPOLLIN(), Self.wakeKey)
        }
    }

    public func add(_ fd: FileDescriptor, key: UInt64, interest: EventInterest) throws {
        try syscallBlocking("epoll_ctl(ADD)") { csl_epoll_ctl(epoll.rawValue, EPOLL_CTL_ADD, fd.rawValue, Self.mask(interest), key) }
    }

    public func modify(_ fd: FileDescriptor, key: UInt64, interest: EventInterest) throws {
        try syscallBlocking("epoll_ctl(MOD)") { csl_epoll_ctl(epoll.rawValue, EPOLL_CTL_MOD, fd.rawValue, Self.mask(interest), key) }
    }

    public func remove(_ fd: FileDescriptor) throws {
        try syscallBlocking("epoll_ctl(DEL)") { csl_epoll_ctl(epoll.rawValue, EPOLL_CTL_DEL, fd.rawValue, 0, 0) }
    }

    public func wait(timeoutMilliseconds: Int32) throws -> [Event] {
        let capacity = Int32(buffer.count)
        let result = try buffer.withUnsafeMutableBufferPointer { out in
            try syscall("epoll_wait") { csl_epoll_wait(epoll.rawValue, out.baseAddress, capacity, timeoutMilliseconds) }
        }
        guard case .done(let count) = result else { return [] }
        var events: [Event] = []
        events.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            let n = buffer[i]
            if n.key == Self.wakeKey {
                drainWake()
                continue
            }
            let failed = n.events & (csl_EPOLLERR() | csl_EPOLLHUP()) != 0
            events.append(Event(
                key: n.key,
                readable: failed || n.events & (csl_EPOLLIN() | csl_EPOLLRDHUP()) != 0,
                writable: failed || n.events & csl_EPOLLOUT() != 0,
                hangup: failed
            ))
        }
        return events
    }

    public func wake() {
        var one: UInt64 = 1
        // EAGAIN means the counter is already non-zero: a wake-up is pending, which is all we need.
        _ = try? withUnsafeBytes(of: &one) { try wakeFD.write($0) }
    }

    public func close() {
        wakeFD.close()
        epoll.close()
    }

    private func drainWake() {
        var value: UInt64 = 0
        _ = try? withUnsafeMutableBytes(of: &value) { try wakeFD.read(into: $0) }
    }

    private static func mask(_ interest: EventInterest) -> UInt32 {
        var m: UInt32 = 0
        if interest.contains(.read) { m |= csl_EPOLLIN() | csl_EPOLLRDHUP() }
        if interest.contains(.write) { m |= csl_EPOLLOUT() }
        return m
    }
}
