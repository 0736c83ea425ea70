import CSQLite

extension SQLiteConnection {
    /// Opens an existing SQLite file read-only (`SQLITE_OPEN_READONLY`, `query_only`), changing nothing
    /// about it: no WAL switch, no pragmas that write. For importers reading another application's file.
    ///
    /// Throws when the file does not exist or is not a SQLite database (checked by reading its schema).
    public static func openReadOnly(path: String, busyTimeoutMilliseconds: Int32 = 5_000) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, flags: SQLITE_OPEN_READONLY)
        sqlite3_busy_timeout(connection.handle, busyTimeoutMilliseconds)
        try connection.execute("PRAGMA query_only = ON")
        _ = try connection.scalar("SELECT count(*) FROM sqlite_master")
        return connection
    }
}

extension Database {
    /// A read-only connection to a SQLite file that is not the server's database (the PHP application's
    /// file read by the importer), whichever backend the server itself runs on. See `SQLiteConnection.openReadOnly`.
    public static func openSQLiteFileReadOnly(path: String) throws -> Connection {
        try SQLiteConnection.openReadOnly(path: path)
    }
}
