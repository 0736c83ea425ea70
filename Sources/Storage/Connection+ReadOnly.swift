import CSQLite

extension Connection {
    /// Opens an existing SQLite file read-only (`SQLITE_OPEN_READONLY`, `query_only`), changing nothing
    /// about it: no WAL switch, no pragmas that write. For importers reading another application's file.
    ///
    /// Throws when the file does not exist or is not a SQLite database (checked by reading its schema).
    public static func openReadOnly(path: String, busyTimeoutMilliseconds: Int32 = 5_000) throws -> Connection {
        let connection = try Connection(path: path, flags: SQLITE_OPEN_READONLY)
        sqlite3_busy_timeout(connection.handle, busyTimeoutMilliseconds)
        try connection.execute("PRAGMA query_only = ON")
        _ = try connection.scalar("SELECT count(*) FROM sqlite_master")
        return connection
    }
}
