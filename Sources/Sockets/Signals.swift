import Glibc

/// Process signal dispositions (the HTTP layer's `SignalWatcher` builds on these).
public enum Signals {
    /// Sets `signal` to be ignored (SIGPIPE, or SIGTERM/SIGINT before a dispatch source takes over).
    public static func ignore(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_IGN)
    }

    /// Restores the default disposition of `signal`.
    public static func restoreDefault(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_DFL)
    }
}
