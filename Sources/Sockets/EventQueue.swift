/// What a registered descriptor should be watched for.
public struct EventInterest: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = EventInterest(rawValue: 1)
    public static let write = EventInterest(rawValue: 2)
    public static let none: EventInterest = []
}

/// One readiness notification, keyed by what the caller registered.
///
/// Errors and hang-ups are reported as `hangup` *and* readable/writable (as redis `ae_epoll.c` does),
/// so the ordinary read/write path discovers the failure through the errno gate.
public struct Event: Hashable, Sendable {
    public var key: UInt64
    public var readable: Bool
    public var writable: Bool
    public var hangup: Bool

    public init(key: UInt64, readable: Bool = false, writable: Bool = false, hangup: Bool = false) {
        self.key = key
        self.readable = readable
        self.writable = writable
        self.hangup = hangup
    }
}

/// The event backend the server loop runs on: six operations, so epoll can be swapped for a mock.
///
/// `key` is an opaque 64-bit value stored with the registration (the server packs a generation
/// number next to the fd, so a late event for a closed-and-reused fd is recognised and dropped).
/// Only `wake()` may be called from other threads; everything else belongs to the loop thread.
public protocol EventQueue: AnyObject {
    /// Starts watching `fd` for `interest`, reporting events with `key`.
    func add(_ fd: FileDescriptor, key: UInt64, interest: EventInterest) throws
    /// Changes what `fd` is watched for (and its key).
    func modify(_ fd: FileDescriptor, key: UInt64, interest: EventInterest) throws
    /// Stops watching `fd`. Call before closing it.
    func remove(_ fd: FileDescriptor) throws
    /// Waits up to `timeoutMilliseconds` (-1 = forever) and returns ready events; returns early after `wake()`.
    func wait(timeoutMilliseconds: Int32) throws -> [Event]
    /// Interrupts a current or the next `wait` from any thread.
    func wake()
    /// Releases the queue's own descriptors.
    func close()
}
