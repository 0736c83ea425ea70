import Foundation
import Sockets
import Synchronization

/// Installs SIGTERM/SIGINT handling that calls `onSignal` once (e.g. server.shutdown()); ignores SIGPIPE.
///
/// The signal handler only writes the signal number into a self-pipe (`Signals.routeToPipe`); a
/// thread of its own (with the signals unblocked, whatever mask the process started with) reads it
/// and runs `onSignal` outside signal context.
public enum SignalWatcher {
    public static func install(_ onSignal: @escaping @Sendable (Int32) -> Void) {
        Signals.ignore(SIGPIPE)
        let pipe: FileDescriptor
        do {
            pipe = try Signals.routeToPipe([SIGTERM, SIGINT])
        } catch {
            // Without the pipe the default actions stay in place: a signal still ends the process.
            return
        }
        let thread = Thread {
            Signals.unblockOnThisThread([SIGTERM, SIGINT])
            var fired = false
            var byte: UInt8 = 0
            while true {
                let result = try? withUnsafeMutableBytes(of: &byte) { try pipe.read(into: $0) }
                guard case .done(let n)? = result, n == 1 else { continue }
                if !fired {
                    fired = true
                    onSignal(Int32(byte))
                }
            }
        }
        thread.name = "signal-watcher"
        thread.start()
    }
}
