import CSQLite
import Foundation

/// One SQLite connection with a prepared-statement cache: the SQLite side of `DatabaseConnection`.
///
/// Not Sendable: a connection is used by one thread at a time. `Database` hands one to
/// the closures of `write` (on the writer thread) and `read` (on the caller's thread).
public final class SQLiteConnection: DatabaseConnection {
    let handle: OpaquePointer
    private var cache: [String: SQLiteStatement] = [:]
    private var isClosed = false
    /// Deferred per-transaction state and pre-commit hooks (see TransactionState.swift).
    public let transactionState = TransactionState()
    public var dialect: SQLDialect { .sqlite }
    /// Statements compiled so far (cache misses); lets tests see that the cache is used.
    private(set) var prepareCount = 0
    /// Cache entries beyond this drop the whole cache; dynamic SQL must not grow it forever.
    static let cacheLimit = 512

    /// Opens `path` with `flags` (`SQLITE_OPEN_*`), with extended result codes on.
    init(path: String, flags: Int32) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw DatabaseError(code: rc, message: "\(message) (\(path))")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    /// Opens a standalone read-write connection to `path` with the same settings as a `Database`'s
    /// writer (WAL, `synchronous=FULL`, foreign keys, busy timeout, cache, mmap), outside any pool.
    ///
    /// For tools and benchmarks; servers go through `Database`, whose single writer avoids
    /// SQLITE_BUSY between writers and groups commits.
    public convenience init(path: String, configuration: DatabaseConfiguration = .init()) throws {
        try self.init(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try configure(configuration, writer: true)
    }

    deinit { close() }

    /// Applies the pragmas `Database` uses for its writer (`writer`) or its readers.
    func configure(_ config: DatabaseConfiguration, writer: Bool) throws {
        let c = self
        sqlite3_busy_timeout(c.handle, Int32(clamping: config.busyTimeoutMilliseconds))
        if writer {
            let mode = try c.scalar("PRAGMA journal_mode = WAL").stringValue ?? ""
            guard mode.lowercased() == "wal" else {
                throw DatabaseError(code: SQLITE_ERROR, message: "could not enable WAL (journal_mode is \(mode))", sql: "PRAGMA journal_mode = WAL")
            }
            // FULL: the WAL is fsynced at every COMMIT, so a returned write survives power loss.
            try c.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
        } else {
            try c.execute("PRAGMA query_only = ON; PRAGMA foreign_keys = ON")
        }
        try c.execute("""
            PRAGMA cache_size = -\(writer ? config.cacheSizeKiB : config.readerCacheSizeKiB);
            PRAGMA mmap_size = \(config.mmapSizeBytes);
            PRAGMA temp_store = MEMORY
            """)
    }


    // MARK: - Execution

    /// Runs one or more `;`-separated statements with no arguments (a script, a migration).
    ///
    /// Statements run one by one like `sqlite3_exec`, but a failure names the statement that
    /// failed rather than the whole script. Not cached.
    public func execute(_ sql: String) throws {
        try sql.withCString { start in
            var cursor: UnsafePointer<CChar>? = start
            while let current = cursor, current.pointee != 0 {
                var stmt: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(handle, current, -1, &stmt, &tail)
                let text = { SQLiteConnection.text(from: current, to: tail) }
                guard rc == SQLITE_OK else { throw error(rc, sql: text()) }
                cursor = tail
                guard let stmt else { continue }  // whitespace or a comment
                defer { sqlite3_finalize(stmt) }
                var step = sqlite3_step(stmt)
                while step == SQLITE_ROW { step = sqlite3_step(stmt) }
                guard step == SQLITE_DONE else { throw error(step, sql: text()) }
            }
        }
    }

    /// The statement between `start` and `end` (or the NUL), without surrounding blank lines.
    private static func text(from start: UnsafePointer<CChar>, to end: UnsafePointer<CChar>?) -> String {
        let count = end.map { $0 - start } ?? strlen(start)
        let raw = start.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Finalizes cached statements and closes the handle; the connection is unusable afterwards.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one statement and returns the number of rows it changed (`sqlite3_changes`).
    @discardableResult
    public func run(_ query: SQL) throws -> Int {
        try withStatement(query.text, query.arguments) { stmt in
            while try stmt.step() {}
        }
        return Int(sqlite3_changes(handle))
    }

    /// The first row, or nil; stops stepping after it.
    public func queryOne(_ query: SQL) throws -> Row? {
        try withStatement(query.text, query.arguments) { stmt in try stmt.step() ? stmt.row() : nil }
    }

    /// Calls `body` for each row as SQLite produces it, without collecting them.
    public func forEachRow(_ query: SQL, _ body: (Row) throws -> Void) throws {
        try withStatement(query.text, query.arguments) { stmt in
            while try stmt.step() { try body(stmt.row()) }
        }
    }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// True while a transaction is open (`sqlite3_get_autocommit` is 0).
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: - Statements

    /// Binds, runs `body`, and always resets, so no statement keeps a read snapshot open.
    func withStatement<T>(_ sql: String, _ args: [SQLValue], _ body: (SQLiteStatement) throws -> T) throws -> T {
        let stmt = try cachedStatement(sql)
        stmt.inUse = true
        defer {
            stmt.reset()
            stmt.inUse = false
        }
        try stmt.bind(args)
        return try body(stmt)
    }

    /// The cached statement for `sql`, or a fresh one if that is busy in an outer call.
    func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let stmt = cache[sql] {
            if !stmt.inUse { return stmt }
            return try prepare(sql, persistent: false)
        }
        let stmt = try prepare(sql, persistent: true)
        if cache.count >= Self.cacheLimit {
            // Statements still stepped by outer calls stay alive through their references.
            cache.removeAll(keepingCapacity: true)
        }
        cache[sql] = stmt
        return stmt
    }

    /// Compiles exactly one statement; several are refused (use `execute`).
    func prepare(_ sql: String, persistent: Bool) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sql.withCString { sqlite3_prepare_v3(handle, $0, -1, flags, &stmt, &tail) }
        guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
        guard let stmt else { throw DatabaseError.misuse("empty statement", sql: sql) }
        prepareCount += 1
        let statement = SQLiteStatement(handle: stmt, sql: sql, connection: self)
        if let tail, tail.pointee != 0 {
            var next: OpaquePointer?
            sqlite3_prepare_v3(handle, tail, -1, 0, &next, nil)
            if let next {
                sqlite3_finalize(next)
                throw DatabaseError.misuse("several statements given; use execute(_:) for scripts", sql: sql)
            }
        }
        return statement
    }

    /// Number of statements in the cache.
    var cachedStatementCount: Int { cache.count }

    /// A `DatabaseError` for `rc`, with this connection's current message.
    func error(_ rc: Int32, sql: String?) -> DatabaseError {
        let extended = sqlite3_extended_errcode(handle)
        // errmsg describes the latest failure; prefer its code when it refines `rc`.
        let code = (extended & 0xff) == (rc & 0xff) ? extended : rc
        return DatabaseError(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

extension SQLiteConnection: ManagedConnection {
    func prepareForUse() throws {}
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}
