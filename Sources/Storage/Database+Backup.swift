import CSQLite
import Foundation

extension Database {
    /// Copies the database to a new file at `path` with SQLite's online backup API, while serving.
    ///
    /// The copy is taken from a pooled reader in one `sqlite3_backup_step(-1)`, i.e. from one WAL
    /// snapshot: writers keep committing meanwhile and the copy is consistent as of its start.
    /// It is written to `path.partial` and renamed, so `path` never holds a half-written file.
    /// Throws if `path` exists. (https://sqlite.org/backup.html)
    ///
    /// On PostgreSQL this throws `DatabaseError` (`SQLITE_MISUSE`): the server's own tools are the
    /// backup there — `pg_dump` for a logical copy, base backups with WAL archiving for point-in-time recovery.
    public func backup(to path: String) throws {
        guard dialect == .sqlite else { throw Database.backupUnsupported }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw DatabaseError(code: SQLITE_CANTOPEN, message: "backup target already exists: \(path)")
        }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let destination = try SQLiteConnection(path: partial, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            defer { destination.close() }
            try read { reader in
                let source = reader as! SQLiteConnection
                guard let backup = sqlite3_backup_init(destination.handle, "main", source.handle, "main") else {
                    throw destination.error(sqlite3_errcode(destination.handle), sql: nil)
                }
                let step = sqlite3_backup_step(backup, -1)
                let finish = sqlite3_backup_finish(backup)
                guard step == SQLITE_DONE else { throw DatabaseError(code: step, message: String(cString: sqlite3_errstr(step)), sql: "backup") }
                guard finish == SQLITE_OK else { throw destination.error(finish, sql: nil) }
            }
            // The copy keeps the source's WAL flag; checkpointing leaves one self-contained file.
            try destination.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            destination.close()
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: partial + suffix) }
            throw error
        }
    }

    /// Why `backup(to:)` refuses on PostgreSQL.
    static let backupUnsupported = DatabaseError.misuse(
        "backup copies SQLite files only; on PostgreSQL use pg_dump (a logical copy) or a base backup with WAL archiving (point-in-time recovery)")
}
