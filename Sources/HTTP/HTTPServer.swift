import Foundation
import Synchronization
import Sockets
import Support

/// The HTTP/1.1 server: one epoll loop thread for all sockets, a bounded worker pool for responders.
///
/// ```swift
/// let server = HTTPServer(configuration: config, responder: router, logger: logger)
/// try server.start()
/// SignalWatcher.install { _ in server.shutdown() }
/// server.run()   // returns after a graceful shutdown
/// ```
/// See docs/concurrency.md ("HTTP") for which thread owns what.
public final class HTTPServer: Sendable {
    private enum State {
        case initial
        case running(ServerLoop, port: Int)
        case stopped(port: Int)
    }

    public let configuration: HTTPServerConfiguration
    public let metrics: HTTPMetrics
    private let responder: any HTTPResponder
    private let logger: Logger
    private let state = Mutex<State>(.initial)
    private let finished = DispatchSemaphore(value: 0)

    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.metrics = HTTPMetrics()
    }

    /// Binds, listens and starts the loop thread; returns once the port accepts connections.
    public func start() throws {
        try state.withLock { state in
            guard case .initial = state else { return }
            let listener = try Socket.makeListener(host: configuration.host, port: configuration.port)
            let port: Int
            let loop: ServerLoop
            do {
                port = try Socket.localPort(listener)
                loop = try ServerLoop(listener: listener, configuration: configuration, responder: responder,
                                      logger: logger, metrics: metrics)
            } catch {
                listener.close()
                throw error
            }
            let thread = Thread { [finished] in
                loop.run()
                finished.signal()
            }
            thread.name = "http-loop"
            thread.start()
            state = .running(loop, port: port)
            logger.info("http server listening", ["host": configuration.host, "port": String(port)])
        }
    }

    /// The bound port (after `start()`; 0 before).
    public var port: Int {
        state.withLock { state in
            switch state {
            case .initial: 0
            case .running(_, let port), .stopped(let port): port
            }
        }
    }

    /// Blocks until shutdown has completed (starting the server first if needed).
    public func run() {
        let started = state.withLock { state -> Bool in
            if case .initial = state { return false }
            return true
        }
        if !started {
            do {
                try start()
            } catch {
                logger.error("http server failed to start", ["error": "\(error)"])
                return
            }
        }
        finished.wait()
        finished.signal()  // let any other waiter through as well
    }

    /// Stops accepting, lets in-flight requests finish (bounded by `shutdownGrace`), closes everything.
    /// Thread-safe and idempotent; `run()` returns when it is done.
    public func shutdown() {
        let loop: ServerLoop? = state.withLock { state in
            switch state {
            case .initial:
                state = .stopped(port: 0)
                finished.signal()
                return nil
            case .running(let loop, let port):
                state = .stopped(port: port)
                return loop
            case .stopped:
                return nil
            }
        }
        loop?.requestShutdown()
    }
}
