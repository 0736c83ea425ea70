/// Work deferred to the end of a write transaction.
///
/// Group commit runs many units in one transaction; a unit can park per-transaction state here
/// (e.g. counter increments merged across units) and register a hook that writes it just before
/// COMMIT, so a batch of N units pays for one write per distinct row instead of N.
/// A unit must touch this state only as its last step, after everything that can throw: a unit
/// that throws is rolled back to its savepoint, but state it already changed here is not.
///
/// Each connection owns one; callers use it through `conn.transactionValue` and `conn.beforeCommit`.
public final class TransactionState {
    var values: [String: AnyObject] = [:]
    var commitHooks: [(key: String, body: (any DatabaseConnection) throws -> Void)] = []
    /// Nesting depth of `savepoint` calls, which names their savepoints.
    var savepointDepth = 0

    public init() {}

    /// Runs the hooks; called by the writer right before COMMIT.
    func runCommitHooks(_ connection: any DatabaseConnection) throws {
        let hooks = commitHooks
        commitHooks.removeAll()
        for (_, hook) in hooks { try hook(connection) }
    }

    /// Forgets deferred state; called by the writer whenever a transaction ends.
    func clear() {
        values.removeAll()
        commitHooks.removeAll()
    }
}

@available(*, unavailable)
extension TransactionState: Sendable {}

extension DatabaseConnection {
    /// The value stored under `key` for the current transaction, created by `make` on first use.
    public func transactionValue<T: AnyObject>(_ key: String, make: () -> T) -> T {
        let state = transactionState
        if let existing = state.values[key] as? T { return existing }
        let value = make()
        state.values[key] = value
        return value
    }

    /// The value under `key` if a unit of the current transaction created one.
    public func existingTransactionValue<T: AnyObject>(_ key: String, as type: T.Type = T.self) -> T? {
        transactionState.values[key] as? T
    }

    /// Runs `body` just before the current transaction commits (once per `key`, in registration order).
    /// A throwing hook fails the whole batch.
    public func beforeCommit(_ key: String, _ body: @escaping (Connection) throws -> Void) {
        let state = transactionState
        guard !state.commitHooks.contains(where: { $0.key == key }) else { return }
        state.commitHooks.append((key, body))
    }
}
