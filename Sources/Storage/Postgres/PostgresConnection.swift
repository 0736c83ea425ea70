import CPostgres
import CSQLite
import Foundation
import Support

/// One libpq connection with a prepared-statement cache: the PostgreSQL side of `DatabaseConnection`.
///
/// Statements are written with `?` and rendered as `$1…$n` once per distinct text (`PostgresSQLText`),
/// prepared once per text and parameter types (`PQprepare`) and run with `PQexecPrepared`; results are
/// fully read before `forEachRow` calls its body, so the body may query the same connection.
///
/// A connection the server closed (restart, failover, `pg_terminate_backend`) is noticed before the next
/// unit of work (`prepareForUse`) and replaced; while the server cannot be reached, attempts are spaced
/// by a backoff of 0.1 s doubling to 2 s, and calls in between throw an `isUnavailable` error at once.
///
/// Not Sendable: a connection is used by one thread at a time.
public final class PostgresConnection: DatabaseConnection {
    private var handle: OpaquePointer?
    let url: PostgresURL
    private let configuration: DatabaseConfiguration
    public let transactionState = TransactionState()
    public var dialect: SQLDialect { .postgres }

    private var statements: [String: PostgresStatement] = [:]
    private var renderCache: [String: (text: String, count: Int)] = [:]
    private var statementCounter = 0
    /// Statements prepared so far (cache misses); lets tests see that the cache is used.
    private(set) var prepareCount = 0
    /// Connections made so far, the first included; lets tests see a reconnect.
    private(set) var connectCount = 0
    private var isClosed = false
    private var failedConnects = 0
    private var nextConnectAt: UInt64 = 0
    /// Cache entries beyond this deallocate every statement; dynamic SQL must not grow it forever.
    static let cacheLimit = 512

    /// Connects to `url` (already validated) with `configuration`'s timeouts; throws an `isUnavailable`
    /// error naming the server (never the password) when it cannot.
    init(url: PostgresURL, configuration: DatabaseConfiguration) throws {
        self.url = url
        self.configuration = configuration
        handle = try connect()
    }

    /// Opens a standalone connection to `url` outside any pool, for tools and tests.
    public convenience init(url: String, configuration: DatabaseConfiguration = .init()) throws {
        try self.init(url: try PostgresURL(url), configuration: configuration)
    }

    deinit { close() }

    // MARK: - Connecting

    /// A new libpq connection. Our settings come first and the URL last, so the URL's own
    /// parameters (`connect_timeout`, `application_name`, `options`, …) win.
    private func connect() throws -> OpaquePointer {
        var settings: [(String, String)] = [
            ("connect_timeout", String(max(2, configuration.connectTimeoutSeconds))),
            ("application_name", configuration.applicationName),
            ("client_encoding", "UTF8"),
            // Notice a dead peer within about a minute instead of the kernel's two hours.
            ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
            ("tcp_user_timeout", String(max(0, configuration.statementTimeoutMilliseconds) + 30_000)),
        ]
        if configuration.statementTimeoutMilliseconds > 0 {
            settings.append(("options", "-c statement_timeout=\(configuration.statementTimeoutMilliseconds)"))
        }
        settings.append(("dbname", url.text))
        connectCount += 1
        let conn = withCStrings(settings.map(\.0)) { keywords in
            withCStrings(settings.map(\.1)) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let conn else { throw PostgresError.unavailable("cannot connect to PostgreSQL at \(url.serverDescription): out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let reason = url.scrub(String(cString: PQerrorMessage(conn)))
            PQfinish(conn)
            throw PostgresError.unavailable("cannot connect to PostgreSQL at \(url.serverDescription): \(reason)")
        }
        let version = PQserverVersion(conn)
        guard version >= 140000 else {
            PQfinish(conn)
            throw DatabaseError(code: SQLITE_CANTOPEN, message: "PostgreSQL 14 or later is required; \(url.serverDescription) runs \(version / 10000)",
                                sqlState: "0A000")
        }
        cpostgres_silence_notices(conn)
        return conn
    }

    /// Calls `body` with a NULL-terminated array of C strings.
    private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// True when the connection is up as far as can be told without a round trip: reading what the
    /// server sent while we were idle turns a closed socket (or its FATAL goodbye) into CONNECTION_BAD.
    private var looksHealthy: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        if PQtransactionStatus(handle) == PQTRANS_IDLE {
            // Twice: the first read may return the server's goodbye message, the second the EOF.
            for _ in 0..<2 where PQstatus(handle) == CONNECTION_OK {
                if PQconsumeInput(handle) == 0 { break }
            }
        }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Reconnects when the connection is gone, respecting the backoff. See the type comment.
    func prepareForUse() throws {
        guard !isClosed else { throw DatabaseError.misuse("database is closed") }
        if looksHealthy { return }
        let now = monotonicNanoseconds()
        guard now >= nextConnectAt else {
            throw PostgresError.unavailable("PostgreSQL at \(url.serverDescription) is unreachable; reconnecting in \((nextConnectAt - now) / 1_000_000) ms")
        }
        if let handle { PQfinish(handle) }
        handle = nil
        statements.removeAll()
        transactionState.clear()
        do {
            handle = try connect()
            failedConnects = 0
            nextConnectAt = 0
        } catch {
            failedConnects += 1
            let delay = min(UInt64(2_000_000_000), UInt64(100_000_000) << UInt64(min(failedConnects - 1, 5)))
            nextConnectAt = monotonicNanoseconds() + delay
            throw error
        }
    }

    /// Closes the libpq connection; the connection is unusable afterwards. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        statements.removeAll()
        if let handle { PQfinish(handle) }
        handle = nil
    }

    // MARK: - Execution

    /// Runs the statements of `script` one by one with the simple-query protocol (so each may be a
    /// command that refuses the extended protocol or a transaction); a failure names its statement.
    public func execute(_ script: String) throws {
        for statement in PostgresSQLText.statements(in: script) {
            let handle = try liveHandle(sql: statement)
            let result = PQexec(handle, statement)
            defer { PQclear(result) }
            try check(result, sql: statement)
        }
    }

    @discardableResult
    public func run(_ query: SQL) throws -> Int {
        let result = try executePrepared(query)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public func queryOne(_ query: SQL) throws -> Row? {
        let result = try executePrepared(query)
        defer { PQclear(result) }
        guard PQntuples(result) > 0 else { return nil }
        return row(result, 0, columns: columns(of: result, for: query))
    }

    public func forEachRow(_ query: SQL, _ body: (Row) throws -> Void) throws {
        let result = try executePrepared(query)
        defer { PQclear(result) }
        let index = columns(of: result, for: query)
        for i in 0..<PQntuples(result) { try body(row(result, i, columns: index)) }
    }

    /// True while a transaction is open, including one a failed statement aborted (PQTRANS_INERROR).
    public var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    private func liveHandle(sql: String?) throws -> OpaquePointer {
        guard !isClosed else { throw DatabaseError.misuse("database is closed", sql: sql) }
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError.unavailable("the connection to PostgreSQL at \(url.serverDescription) is lost", sql: sql)
        }
        return handle
    }

    /// Prepares `query` if needed and runs it; the result is a successful one (the caller clears it).
    private func executePrepared(_ query: SQL) throws -> OpaquePointer {
        let handle = try liveHandle(sql: query.text)
        let statement = try prepared(query, handle)
        let result = PostgresValues.withParameters(query.arguments) { values, lengths, formats in
            PQexecPrepared(handle, statement.name, Int32(query.arguments.count), values, lengths, formats, 0)
        }
        do {
            try check(result, sql: query.text)
        } catch let error as DatabaseError {
            PQclear(result)
            // A schema change made the cached plan unusable, or the statement vanished (DISCARD ALL):
            // forget it so the next call prepares afresh.
            if error.sqlState == "0A000" || error.sqlState == "26000" { forget(query) }
            throw error
        }
        // COMMIT of a transaction a swallowed error had aborted succeeds, rolling back: make it an error.
        if let result, strcmp(PQcmdStatus(result), "ROLLBACK") == 0, query.text.uppercased() == "COMMIT" {
            PQclear(result)
            throw DatabaseError(code: SQLITE_ABORT, message: "COMMIT rolled back: a statement of the transaction had failed",
                                sql: query.text, sqlState: "25P02")
        }
        return result!
    }

    private func key(_ query: SQL) -> String {
        query.text + "\u{1}" + PostgresValues.signature(query.arguments)
    }

    private func forget(_ query: SQL) {
        statements[key(query)] = nil
    }

    /// The cached statement for `query`'s text and parameter types, prepared on first use.
    private func prepared(_ query: SQL, _ handle: OpaquePointer) throws -> PostgresStatement {
        let key = key(query)
        if let statement = statements[key] { return statement }
        let rendered = try render(query.text)
        guard rendered.count == query.arguments.count else {
            throw DatabaseError(code: SQLITE_RANGE, message: "statement expects \(rendered.count) arguments, got \(query.arguments.count)",
                                sql: query.text)
        }
        if statements.count >= Self.cacheLimit {
            statements.removeAll(keepingCapacity: true)
            PQclear(PQexec(handle, "DEALLOCATE ALL"))
        }
        statementCounter += 1
        let name = "s\(statementCounter)"
        let types = query.arguments.map(PostgresValues.parameterType)
        let result = types.withUnsafeBufferPointer { PQprepare(handle, name, rendered.text, Int32(types.count), $0.baseAddress) }
        defer { PQclear(result) }
        try check(result, sql: query.text)
        prepareCount += 1
        let statement = PostgresStatement(name: name)
        statements[key] = statement
        return statement
    }

    /// `?` → `$n`, cached per text; more than one statement is refused like SQLite does.
    private func render(_ text: String) throws -> (text: String, count: Int) {
        if let cached = renderCache[text] { return cached }
        if PostgresSQLText.statements(in: text).count > 1 {
            throw DatabaseError.misuse("several statements given; use execute(_:) for scripts", sql: text)
        }
        let rendered = PostgresSQLText.renderPlaceholders(text)
        if renderCache.count >= Self.cacheLimit { renderCache.removeAll(keepingCapacity: true) }
        renderCache[text] = rendered
        return rendered
    }

    /// Throws the error of `result` unless it succeeded.
    private func check(_ result: OpaquePointer?, sql: String?) throws {
        if let result {
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY { return }
        }
        throw PostgresError.make(result, connection: handle, sql: sql)
    }

    // MARK: - Rows

    private func columns(of result: OpaquePointer, for query: SQL) -> ColumnIndex {
        let statement = statements[key(query)]
        let count = Int(PQnfields(result))
        if let cached = statement?.columns, cached.names.count == count { return cached }
        let index = ColumnIndex((0..<count).map { String(cString: PQfname(result, Int32($0))) })
        statement?.columns = index
        return index
    }

    private func row(_ result: OpaquePointer, _ i: Int32, columns: ColumnIndex) -> Row {
        let count = Int32(columns.names.count)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for c in 0..<count { values.append(PostgresValues.value(result, row: i, column: c, type: PQftype(result, c))) }
        return Row(index: columns, values: values)
    }
}

/// A server-side prepared statement and the column names of its results.
final class PostgresStatement {
    let name: String
    var columns: ColumnIndex?
    init(name: String) { self.name = name }
}

extension PostgresConnection: ManagedConnection {}

@available(*, unavailable)
extension PostgresConnection: Sendable {}
