import Foundation
import Sockets
import Synchronization

/// Installs SIGTERM/SIGINT handling that calls `onSignal` once (e.g. server.shutdown()); ignores SIGPIPE.
public enum SignalWatcher {
    /// Installed sources, kept alive for the life of the process (guarded by `lock`).
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let lock = Mutex<Void>(())

    public static func install(_ onSignal: @escaping @Sendable (Int32) -> Void) {
        Signals.ignore(SIGPIPE)
        let box = FiredBox()
        var made: [any DispatchSourceSignal] = []
        for signal in [SIGTERM, SIGINT] {
            // The default action would kill the process before the dispatch source sees the signal.
            Signals.ignore(signal)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler {
                if box.fired.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
                    onSignal(signal)
                }
            }
            source.resume()
            made.append(source)
        }
        lock.withLock { _ in sources.append(contentsOf: made) }
    }

    private final class FiredBox: Sendable {
        let fired = Atomic<Bool>(false)
    }
}
