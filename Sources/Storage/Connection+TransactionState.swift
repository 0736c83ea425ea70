/// Work deferred to the end of a write transaction.
///
/// Group commit runs many units in one transaction; a unit can park per-transaction state here
/// (e.g. counter increments merged across units) and register a hook that writes it just before
/// COMMIT, so a batch of N units pays for one write per distinct row instead of N.
/// A unit must touch this state only as its last step, after everything that can throw: a unit
/// that throws is rolled back to its savepoint, but state it already changed here is not.
extension Connection {
    /// The value stored under `key` for the current transaction, created by `make` on first use.
    public func transactionValue<T: AnyObject>(_ key: String, make: () -> T) -> T {
        if let existing = transactionState[key] as? T { return existing }
        let value = make()
        transactionState[key] = value
        return value
    }

    /// The value under `key` if a unit of the current transaction created one.
    public func existingTransactionValue<T: AnyObject>(_ key: String, as type: T.Type = T.self) -> T? {
        transactionState[key] as? T
    }

    /// Runs `body` just before the current transaction commits (once per `key`, in registration order).
    /// A throwing hook fails the whole batch.
    public func beforeCommit(_ key: String, _ body: @escaping (Connection) throws -> Void) {
        guard !commitHooks.contains(where: { $0.key == key }) else { return }
        commitHooks.append((key, body))
    }

    /// Runs the hooks; called by the writer right before COMMIT.
    func runCommitHooks() throws {
        let hooks = commitHooks
        commitHooks.removeAll()
        for (_, hook) in hooks { try hook(self) }
    }

    /// Forgets deferred state; called by the writer whenever a transaction ends.
    func clearTransactionState() {
        transactionState.removeAll()
        commitHooks.removeAll()
    }
}
