import Glibc

/// Process signal dispositions (the HTTP layer's `SignalWatcher` builds on these).
public enum Signals {
    /// Write end of the self-pipe the handler reports signals into (set once, before any handler).
    nonisolated(unsafe) private static var pipeWriteFD: Int32 = -1

    /// Sets `signal` to be ignored (SIGPIPE).
    public static func ignore(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_IGN)
    }

    /// Restores the default disposition of `signal`.
    public static func restoreDefault(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_DFL)
    }

    /// Unblocks `signals` for the calling thread. A process can start with them blocked (the mask is
    /// inherited across fork/exec, e.g. from a test runner's worker thread); the thread that watches the
    /// self-pipe unblocks them so the kernel has a thread to deliver them to.
    public static func unblockOnThisThread(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        _ = pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Routes `signals` into a self-pipe and returns its read end: each delivery writes the signal
    /// number as one byte. The handler is installed with `sigaction` before returning, so no signal
    /// can slip between "default action" and "watched" (a dispatch source registers asynchronously,
    /// and ignoring the signal first loses one that arrives in between).
    public static func routeToPipe(_ signals: [Int32]) throws -> FileDescriptor {
        var fds: [Int32] = [-1, -1]
        _ = try syscallBlocking("pipe") { pipe(&fds) }
        for fd in fds { _ = try syscallBlocking("fcntl") { fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        pipeWriteFD = fds[1]
        for signal in signals {
            var action = sigaction()
            // Only async-signal-safe work in the handler: one write(2) of one byte.
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(Signals.pipeWriteFD, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            _ = try syscallBlocking("sigaction") { sigaction(signal, &action, nil) }
        }
        return FileDescriptor(rawValue: fds[0])
    }
}
