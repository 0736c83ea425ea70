/// The SQL flavour a connection speaks, for the few statements that differ between backends.
///
/// ```swift
/// let since: SQL = conn.dialect == .postgres ? "now() - interval '1 day'" : "datetime('now', '-1 day')"
/// ```
public enum SQLDialect: String, Sendable, Hashable {
    case sqlite
    case postgres
}

/// One database connection, whichever backend it talks to (GRDB's `Database` is the model).
///
/// Billing code receives one in `Database.write` and `Database.read` closures and only ever names it
/// as `Connection` (`any DatabaseConnection`). The requirements are the primitives each backend
/// implements; `run`, `query`, `queryOne`, `scalar`, `forEachRow` with `?` + `[SQLValue]` arguments,
/// `savepoint` and the per-transaction state live in extensions and work the same on both.
///
/// Not Sendable: a connection is used by one thread at a time.
public protocol DatabaseConnection: AnyObject {
    /// Which SQL flavour this connection speaks.
    var dialect: SQLDialect { get }

    /// Runs one or more `;`-separated statements without arguments (a script, a migration, `VACUUM`).
    /// Statements run one by one; a failure names the statement that failed.
    func execute(_ script: String) throws

    /// Runs one statement and returns the number of rows it inserted, updated or deleted.
    @discardableResult
    func run(_ query: SQL) throws -> Int

    /// Calls `body` for each result row of one statement.
    func forEachRow(_ query: SQL, _ body: (Row) throws -> Void) throws

    /// The first result row of one statement, or nil.
    func queryOne(_ query: SQL) throws -> Row?

    /// True while a transaction (or savepoint) is open on this connection.
    var isInTransaction: Bool { get }

    /// Work deferred to the end of the current write transaction (see `transactionValue`, `beforeCommit`).
    var transactionState: TransactionState { get }
}

/// The connection handed to `write` and `read` closures; existing `func f(_ conn: Connection)` signatures
/// take either backend.
public typealias Connection = any DatabaseConnection

// MARK: - Positional arguments and conveniences

extension DatabaseConnection {
    /// Runs one statement written with `?` placeholders; returns the rows it changed.
    @discardableResult
    public func run(_ sql: String, _ args: [SQLValue] = []) throws -> Int {
        try run(SQL(sql, args))
    }

    /// All rows of one statement.
    public func query(_ query: SQL) throws -> [Row] {
        var rows: [Row] = []
        try forEachRow(query) { rows.append($0) }
        return rows
    }

    public func query(_ sql: String, _ args: [SQLValue] = []) throws -> [Row] {
        try query(SQL(sql, args))
    }

    public func queryOne(_ sql: String, _ args: [SQLValue] = []) throws -> Row? {
        try queryOne(SQL(sql, args))
    }

    /// The first column of the first row, `.null` when there is no row.
    public func scalar(_ query: SQL) throws -> SQLValue {
        try queryOne(query).map { $0[0] } ?? .null
    }

    public func scalar(_ sql: String, _ args: [SQLValue] = []) throws -> SQLValue {
        try scalar(SQL(sql, args))
    }

    public func forEachRow(_ sql: String, _ args: [SQLValue] = [], _ body: (Row) throws -> Void) throws {
        try forEachRow(SQL(sql, args), body)
    }

    // MARK: - Savepoints

    /// Runs `body` in a SAVEPOINT: released on return, rolled back (alone) on throw.
    ///
    /// Nests freely, inside or outside a transaction. The body's error is rethrown even if
    /// the rollback also fails (first error wins).
    ///
    /// On PostgreSQL a failed statement aborts the whole transaction until a savepoint before it is
    /// rolled back; code that catches a database error and carries on must run the statement that may
    /// fail inside `savepoint` (SQLite only undoes the failed statement, so this is harmless there).
    @discardableResult
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        let state = transactionState
        state.savepointDepth += 1
        defer { state.savepointDepth -= 1 }
        let name = "sp\(state.savepointDepth)"
        try run(SQL("SAVEPOINT \(raw: name)"))
        let value: T
        do {
            value = try body()
        } catch {
            try? rollbackSavepoint(name)
            throw error
        }
        do {
            try run(SQL("RELEASE \(raw: name)"))
        } catch {
            try? rollbackSavepoint(name)
            throw error
        }
        return value
    }

    /// `ROLLBACK TO name; RELEASE name`, skipped when the backend already ended the whole transaction.
    func rollbackSavepoint(_ name: String) throws {
        guard isInTransaction else { return }
        try run(SQL("ROLLBACK TO \(raw: name)"))
        try run(SQL("RELEASE \(raw: name)"))
    }
}

// MARK: - Catalog

extension DatabaseConnection {
    /// The names of the connected database's own tables, sorted: `sqlite_master` without SQLite's internal
    /// `sqlite_…` tables, or the base tables of PostgreSQL's current schema.
    public func tableNames() throws -> [String] {
        let sql = dialect == .postgres
            ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        return try query(sql).map { try $0.decode(String.self, "name") }
    }
}

/// What `Database`'s writer and reader pool need from the connections they own, beyond the public API.
protocol ManagedConnection: DatabaseConnection {
    /// Makes the connection usable before a unit of work: a PostgreSQL connection that dropped reconnects
    /// here (with a short backoff), or throws an `isUnavailable` error fast. Nothing to do on SQLite.
    func prepareForUse() throws

    /// Frees the connection; it is unusable afterwards. Idempotent.
    func close()
}
