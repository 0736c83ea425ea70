import Foundation
import Synchronization
import Sockets
import Support

/// The real monotonic clock for connection machines.
struct SystemMonotonicClock: MonotonicClock {
    func nowNanoseconds() -> UInt64 { monotonicNanoseconds() }
}

/// One accepted socket and the bytes waiting to go out on it. Loop-thread only.
final class Connection {
    let fd: FileDescriptor
    let key: UInt64
    var machine: ConnectionMachine<SystemMonotonicClock>
    var outbound: [UInt8] = []
    var outboundOffset = 0
    var closeAfterFlush = false
    var interest: EventInterest = .read
    var registered = true
    /// A request of this connection is on the worker pool.
    var inFlight = false
    /// The peer hung up while a request was in flight; close when the response arrives.
    var peerGone = false
    /// Set after our last byte was flushed on a closing connection: we half-closed and drain
    /// whatever the peer still sends until this deadline, so close(2) does not turn unread
    /// input into an RST that destroys our error response (Apache's "lingering close").
    var lingerDeadline: UInt64?
    var lastWriteProgress: UInt64
    var streamGate: StreamGate?
    /// Input arrived while a request was in flight, so `EPOLLIN` must really be dropped now.
    /// Until then it stays armed: a client that waits for its answer sends nothing, and not
    /// toggling the interest saves two epoll_ctl calls per request.
    var readWhileBusy = false

    init(fd: FileDescriptor, key: UInt64, machine: ConnectionMachine<SystemMonotonicClock>, now: UInt64) {
        self.fd = fd
        self.key = key
        self.machine = machine
        self.lastWriteProgress = now
    }

    var pendingOutbound: Int { outbound.count - outboundOffset }
}

/// Flow control between a worker writing a streamed body and the loop flushing it.
final class StreamGate: @unchecked Sendable {
    // @unchecked: all state is guarded by `condition`.
    private let condition = NSCondition()
    private var pending = 0
    private var failed = false
    static let limit = 256 * 1024

    /// Called by the worker before posting `count` bytes; blocks while too much is unflushed.
    func reserve(_ count: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        while pending > Self.limit && !failed { condition.wait() }
        if failed { throw HTTPStreamError.connectionClosed }
        pending += count
    }

    /// Called by the loop after flushing `count` bytes.
    func flushed(_ count: Int) {
        condition.lock()
        pending = max(0, pending - count)
        condition.signal()
        condition.unlock()
    }

    func fail() {
        condition.lock()
        failed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Thrown into a streaming body when the client has gone away.
public enum HTTPStreamError: Error, Sendable {
    case connectionClosed
}

/// What a worker hands back to the loop: bytes for a connection, and whether the response is complete.
struct Completion: Sendable {
    var key: UInt64
    var bytes: [UInt8]
    /// nil while a stream is still producing; otherwise the response is done.
    var end: (keepAlive: Bool, Void)?
    var gate: StreamGate?
}

/// Process-unique request ids: a random prefix per server plus a counter (no syscall per request).
final class RequestIdGenerator: Sendable {
    private let prefix = SecureRandom.hex(6)
    private let counter = Atomic<UInt64>(0)

    func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return prefix + "-" + String(n, radix: 16)
    }
}

/// The epoll event loop: accepts, reads, runs connection machines, writes; hands requests to workers.
///
/// Thread confinement: everything here runs on the loop thread except `post(_:)` and
/// `requestShutdown()`, which workers and other threads call; those touch only the mailbox
/// (lock-free), an Atomic and the eventfd wake-up.
final class ServerLoop: @unchecked Sendable {
    static let listenerKey = UInt64.max - 1
    private static let readChunk = 64 * 1024
    /// Don't read more requests from a client that doesn't read its responses.
    private static let outboundHighWater = 256 * 1024
    private static let lingerSeconds: Double = 2

    private let queue: EpollEventQueue
    private let listener: FileDescriptor
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let logger: Logger
    let metrics: HTTPMetrics
    private let pool: WorkerPool
    let dates = HTTPDateCache()
    private let ids = RequestIdGenerator()
    private let limits: HTTPParserLimits
    private let timeouts: ConnectionTimeouts
    private let sweepInterval: UInt64

    // Shared with other threads.
    private let mailbox = CompletionMailbox()
    private let shutdownRequested = Atomic<Bool>(false)
    /// True once the loop has ended and closed its eventfd: a late completion (a deferred response, a worker
    /// past the shutdown grace) must not write to that descriptor, whose number may belong to another file by then.
    private let wakeClosed = Mutex(false)

    // Loop thread only.
    private var connections: [Connection?] = []
    private var openCount = 0
    private var generation: UInt32 = 0
    private var listening = true
    private var acceptPausedUntil: UInt64?
    private var shutdownDeadline: UInt64?
    private var nextSweep: UInt64 = 0
    private let readBuffer: UnsafeMutableRawBufferPointer

    init(listener: FileDescriptor, configuration: HTTPServerConfiguration, responder: any HTTPResponder,
         logger: Logger, metrics: HTTPMetrics) throws {
        self.listener = listener
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.metrics = metrics
        self.limits = configuration.parserLimits
        self.timeouts = configuration.timeouts
        let smallest = min(configuration.headerReadTimeout, configuration.bodyReadTimeout, configuration.idleTimeout)
        // Deadlines are checked by a sweep over all connections: O(n) every interval instead of a
        // timer per connection. At 100 ms (finer for tiny test timeouts) a 10 s deadline is exact enough.
        self.sweepInterval = HTTPServerConfiguration.nanoseconds(max(0.01, min(0.1, smallest / 5)))
        self.queue = try EpollEventQueue()
        self.pool = WorkerPool(threads: configuration.workerCount, maxQueued: configuration.maxQueuedRequests)
        self.readBuffer = .allocate(byteCount: Self.readChunk, alignment: 16)
        try queue.add(listener, key: Self.listenerKey, interest: .read)
    }

    deinit {
        readBuffer.deallocate()
    }

    // MARK: - Cross-thread entry points

    /// Hands bytes (and possibly the end of a response) from a worker to the loop.
    func post(_ completion: Completion) {
        guard mailbox.post(completion) else { return }
        wakeClosed.withLock { closed in if !closed { queue.wake() } }
    }

    func requestShutdown() {
        shutdownRequested.store(true, ordering: .releasing)
        wakeClosed.withLock { closed in if !closed { queue.wake() } }
    }

    var isShuttingDown: Bool { shutdownRequested.load(ordering: .acquiring) }

    // MARK: - The loop

    func run() {
        nextSweep = monotonicNanoseconds() + sweepInterval
        var shuttingDown = false
        while true {
            let now = monotonicNanoseconds()
            var wakeAt = nextSweep
            if let d = shutdownDeadline { wakeAt = min(wakeAt, d) }
            let timeout = Int32(clamping: wakeAt > now ? (wakeAt - now + 999_999) / 1_000_000 : 0)
            let events: [Event]
            do {
                events = try queue.wait(timeoutMilliseconds: timeout)
            } catch {
                // Not EINTR, not EAGAIN: the epoll descriptor itself is broken, which is unrecoverable.
                fatalError("\(error)")
            }
            for event in events {
                if event.key == Self.listenerKey {
                    if listening { acceptConnections() }
                    continue
                }
                // Re-check the registration: an earlier event in this batch may have closed the fd,
                // and the fd number may already belong to a new connection (the generation differs).
                let index = Int(event.key & 0xffff_ffff)
                guard index < connections.count, let connection = connections[index], connection.key == event.key else { continue }
                handle(connection, event)
            }
            drainMailbox()
            if !shuttingDown && isShuttingDown {
                shuttingDown = true
                beginShutdown()
            }
            let after = monotonicNanoseconds()
            if after >= nextSweep {
                sweep(now: after)
                nextSweep = after + sweepInterval
            }
            if shuttingDown {
                if openCount == 0 { break }
                if let d = shutdownDeadline, after >= d {
                    for case let connection? in connections { closeNow(connection) }
                    break
                }
            }
        }
        if listening { stopListening() }
        pool.stop()
        wakeClosed.withLock { $0 = true }
        queue.close()
        logger.info("http server stopped")
    }

    // MARK: - Accept

    private func acceptConnections() {
        for _ in 0..<64 {
            let result: IOResult<(FileDescriptor, String)>
            do {
                result = try Socket.accept(listener)
            } catch let error as SyscallError {
                if error.errno == ECONNABORTED || error.errno == EPROTO { continue }
                // EMFILE/ENFILE/ENOBUFS: the listener stays readable, so pause accepting briefly
                // instead of spinning on it.
                logger.warning("accept failed", ["error": error.description])
                acceptPausedUntil = monotonicNanoseconds() + 100_000_000
                try? queue.modify(listener, key: Self.listenerKey, interest: .none)
                return
            } catch {
                return
            }
            guard case .done(let (fd, remote)) = result else { return }
            try? Socket.setNoDelay(fd)
            generation &+= 1
            let key = UInt64(generation) << 32 | UInt64(UInt32(fd.rawValue))
            let ids = self.ids
            let dates = self.dates
            let machine = ConnectionMachine(
                clock: SystemMonotonicClock(), limits: limits, timeouts: timeouts, remoteAddress: remote,
                trustedProxies: configuration.trustedProxies, makeRequestId: { ids.next() }, httpDate: { dates.now() })
            let connection = Connection(fd: fd, key: key, machine: machine, now: monotonicNanoseconds())
            do {
                try queue.add(fd, key: key, interest: .read)
            } catch {
                fd.close()
                continue
            }
            let index = Int(fd.rawValue)
            if index >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: index - connections.count + 1))
            }
            connections[index] = connection
            openCount += 1
            metrics.connectionOpened()
        }
    }

    private func stopListening() {
        listening = false
        try? queue.remove(listener)
        listener.close()
    }

    // MARK: - Events

    private func handle(_ connection: Connection, _ event: Event) {
        if event.hangup && connection.inFlight {
            // Level-triggered HUP/ERR cannot be masked; stop watching until the worker is done.
            connection.peerGone = true
            connection.streamGate?.fail()  // a streaming worker blocked on flow control gives up now
            unregister(connection)
            return
        }
        if event.readable {
            if connection.inFlight { connection.readWhileBusy = true }
            if connection.lingerDeadline != nil {
                drainLingering(connection)
                return
            }
            if connection.machine.wantsRead {
                readAvailable(connection)
                guard connection.registered || connection.inFlight else { return }
            }
        }
        if event.writable || event.hangup {
            flush(connection)
        }
        updateInterest(connection)
    }

    private func readAvailable(_ connection: Connection) {
        // A few reads per event keeps one busy client from starving the others.
        for _ in 0..<4 {
            guard connection.machine.wantsRead, connection.pendingOutbound < Self.outboundHighWater else { return }
            let result: IOResult<Int>
            do {
                result = try Socket.receive(connection.fd, into: readBuffer)
            } catch {
                closeNow(connection)
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .done(0):
                perform(connection, connection.machine.inputClosed())
                return
            case .done(let n):
                perform(connection, connection.machine.received(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n])))
                if n < readBuffer.count { return }
            }
        }
    }

    private func perform(_ connection: Connection, _ actions: [ConnectionMachine<SystemMonotonicClock>.Action]) {
        for action in actions {
            switch action {
            case .write(let bytes):
                connection.outbound.append(contentsOf: bytes)
            case .dispatch(let request, let keepAlive):
                let key = connection.key
                let date = dates.now()
                let accepted = pool.submit { [self] in
                    self.respond(to: request, keepAlive: keepAlive, key: key, date: date)
                }
                if accepted {
                    connection.inFlight = true
                } else {
                    metrics.recordRejected()
                    perform(connection, connection.machine.dispatchRejected())
                }
            case .rejected(let status, let reason):
                metrics.record(status: status.code, durationNanoseconds: 0)
                if logger.level <= .info {
                    logger.log(.info, "request", fieldList: [
                        ("status", String(status.code)), ("reason", reason), ("remote", connection.machine.remoteAddress),
                    ])
                }
            case .close:
                connection.closeAfterFlush = true
            }
        }
        flush(connection)
    }

    private func flush(_ connection: Connection) {
        guard connection.registered || connection.pendingOutbound == 0 else { return }
        while connection.pendingOutbound > 0 {
            let result: IOResult<Int>
            do {
                result = try connection.outbound.withUnsafeBytes { raw in
                    try Socket.send(connection.fd, UnsafeRawBufferPointer(rebasing: raw[connection.outboundOffset...]))
                }
            } catch {
                closeNow(connection)
                return
            }
            guard case .done(let n) = result else { break }
            connection.outboundOffset += n
            connection.lastWriteProgress = monotonicNanoseconds()
            connection.streamGate?.flushed(n)
        }
        if connection.pendingOutbound == 0 {
            if connection.outbound.count > 0 {
                connection.outbound.removeAll(keepingCapacity: connection.outbound.capacity <= 64 * 1024)
                connection.outboundOffset = 0
            }
            if connection.closeAfterFlush && connection.lingerDeadline == nil && !connection.inFlight {
                startLingeringClose(connection)
            }
        }
    }

    private func startLingeringClose(_ connection: Connection) {
        if connection.machine.inputEnded {
            closeNow(connection)  // the peer already sent everything; nothing to drain
            return
        }
        Socket.shutdownWrite(connection.fd)
        connection.lingerDeadline = monotonicNanoseconds() + HTTPServerConfiguration.nanoseconds(Self.lingerSeconds)
        drainLingering(connection)
    }

    private func drainLingering(_ connection: Connection) {
        for _ in 0..<16 {
            let result = try? Socket.receive(connection.fd, into: readBuffer)
            switch result {
            case .wouldBlock?:
                updateInterest(connection)
                return
            case .done(let n)? where n > 0:
                continue
            default:
                closeNow(connection)  // EOF or error: the peer has everything it will read
                return
            }
        }
        updateInterest(connection)
    }

    private func updateInterest(_ connection: Connection) {
        guard connection.registered, connections[Int(connection.fd.rawValue)] === connection else { return }
        var wanted: EventInterest = []
        if connection.lingerDeadline != nil {
            wanted.insert(.read)
        } else {
            if connection.machine.wantsRead && connection.pendingOutbound < Self.outboundHighWater {
                wanted.insert(.read)
            } else if connection.inFlight && !connection.readWhileBusy && connection.interest.contains(.read) {
                wanted.insert(.read)  // lazily dropped: see `readWhileBusy`
            }
            if connection.pendingOutbound > 0 { wanted.insert(.write) }
        }
        guard wanted != connection.interest else { return }
        connection.interest = wanted
        try? queue.modify(connection.fd, key: connection.key, interest: wanted)
    }

    private func unregister(_ connection: Connection) {
        guard connection.registered else { return }
        connection.registered = false
        try? queue.remove(connection.fd)
    }

    private func closeNow(_ connection: Connection) {
        let index = Int(connection.fd.rawValue)
        guard index < connections.count, connections[index] === connection else { return }
        unregister(connection)
        connection.fd.close()
        connections[index] = nil
        openCount -= 1
        metrics.connectionClosed()
        connection.streamGate?.fail()
    }

    // MARK: - Worker hand-back

    private func drainMailbox() {
        for completion in mailbox.takeAll() {
            let index = Int(completion.key & 0xffff_ffff)
            guard index < connections.count, let connection = connections[index], connection.key == completion.key else {
                completion.gate?.fail()
                continue
            }
            if let gate = completion.gate { connection.streamGate = gate }
            if connection.peerGone {
                if completion.end != nil {
                    connection.inFlight = false
                    closeNow(connection)
                } else {
                    connection.streamGate?.fail()
                }
                continue
            }
            connection.outbound.append(contentsOf: completion.bytes)
            if let end = completion.end {
                connection.inFlight = false
                connection.readWhileBusy = false
                connection.streamGate = nil
                perform(connection, connection.machine.responseComplete(keepAlive: end.keepAlive))
            } else {
                flush(connection)
            }
            if connections[index] === connection { updateInterest(connection) }
        }
    }

    // MARK: - Timers and shutdown

    private func sweep(now: UInt64) {
        if let paused = acceptPausedUntil, now >= paused, listening {
            acceptPausedUntil = nil
            try? queue.modify(listener, key: Self.listenerKey, interest: .read)
        }
        let idle = timeouts.idle
        for case let connection? in connections {
            if let linger = connection.lingerDeadline {
                if now >= linger { closeNow(connection) }
                continue
            }
            if connection.pendingOutbound > 0, now > connection.lastWriteProgress + idle {
                closeNow(connection)  // the client stopped reading its response
                continue
            }
            let actions = connection.machine.tick()
            if !actions.isEmpty {
                perform(connection, actions)
                if connections[Int(connection.fd.rawValue)] === connection { updateInterest(connection) }
            }
        }
    }

    private func beginShutdown() {
        logger.info("http server shutting down", ["open_connections": String(openCount)])
        stopListening()
        shutdownDeadline = monotonicNanoseconds() + HTTPServerConfiguration.nanoseconds(configuration.shutdownGrace)
        for case let connection? in connections where connection.lingerDeadline == nil {
            let actions = connection.machine.shutdown()
            if !actions.isEmpty {
                perform(connection, actions)
                if connections[Int(connection.fd.rawValue)] === connection { updateInterest(connection) }
            }
        }
    }
}
