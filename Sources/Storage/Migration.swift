import CCrypto
import Foundation
import Support

/// A migration recorded in `schema_migrations`.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    /// Hex SHA-256 of the file's bytes when it was applied.
    public let checksum: String
    /// RFC 3339 UTC time it was applied.
    public let appliedAt: String

    public init(version: Int, name: String, checksum: String, appliedAt: String) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
    }
}

/// Why `Database.migrate` refused or failed; the database is left as it was before the failing file.
public enum MigrationError: Error, CustomStringConvertible {
    /// An applied migration's file changed since: migrations are append-only.
    case checksumMismatch(version: Int, name: String)
    /// An applied migration has no file (deleted or renamed).
    case missingFile(version: Int, name: String)
    /// A `.sql` file not named `NNN_name.sql`, or two files with one version.
    case badFileName(String)
    /// The migration's SQL (or its foreign-key check) failed; nothing of it was kept.
    case failed(version: Int, name: String, underlying: DatabaseError)
    /// The migrations directory does not exist.
    case missingDirectory(String)

    public var description: String {
        switch self {
        case .missingDirectory(let d):
            return "migrations directory \(d) not found (set MIGRATIONS_DIR)"
        case .checksumMismatch(let v, let n):
            return "migration \(MigrationFile.fileName(v, n)) was changed after it was applied; add a new migration instead"
        case .missingFile(let v, let n):
            return "migration \(MigrationFile.fileName(v, n)) was applied but its file is missing"
        case .badFileName(let f):
            return "bad migration file name \(f) (expected NNN_name.sql with a unique number)"
        case .failed(let v, let n, let e):
            return "migration \(MigrationFile.fileName(v, n)) failed: \(e)"
        }
    }
}

/// One `NNN_name.sql` file read from the migrations directory.
struct MigrationFile: Sendable {
    let version: Int
    let name: String
    let sql: String
    let checksum: String

    static func fileName(_ version: Int, _ name: String) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits + "_" + name + ".sql"
    }

    /// Every `.sql` file of `directory`, parsed and in numeric version order; other files are ignored.
    static func load(directory: String) throws -> [MigrationFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MigrationError.missingDirectory(directory)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        var files: [MigrationFile] = []
        for fileName in names {
            guard let (version, name) = parse(fileName) else { throw MigrationError.badFileName(fileName) }
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(fileName)))
            files.append(MigrationFile(version: version, name: name, sql: String(decoding: bytes, as: UTF8.self), checksum: sha256Hex(bytes)))
        }
        files.sort { $0.version < $1.version }
        for (a, b) in zip(files, files.dropFirst()) where a.version == b.version {
            throw MigrationError.badFileName("\(fileName(b.version, b.name)) (version \(b.version) also used by \(fileName(a.version, a.name)))")
        }
        return files
    }

    /// `"012_add_plans.sql"` → `(12, "add_plans")`.
    static func parse(_ fileName: String) -> (Int, String)? {
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), !name.isEmpty,
            let version = Int(digits)
        else { return nil }
        return (version, String(name))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { _ = SHA256($0.baseAddress, $0.count, &digest) }
        return Hex.encode(digest)
    }
}

extension Database {
    /// Applies the migrations of `directory` not yet applied, in numeric order, and returns them.
    ///
    /// Files are `NNN_name.sql`: SQLite reads `directory` itself, PostgreSQL its `postgres/`
    /// subdirectory (each backend ignores the other's files). Each file runs alone on the writer
    /// connection in its own transaction together with its `schema_migrations` row (on SQLite after
    /// `PRAGMA foreign_key_check`), so a failing file leaves no partial schema. Before applying
    /// anything, every applied migration is checked against its file: a changed file throws
    /// `.checksumMismatch`, a missing one `.missingFile`. A file must not contain BEGIN/COMMIT, and on
    /// SQLite `PRAGMA foreign_keys` has no effect inside it (SQLite ignores it in a transaction).
    ///
    /// On PostgreSQL the whole run holds a session advisory lock (`pg_advisory_lock`, a fixed key), so
    /// instances starting at the same moment apply each file once: the others wait, then find it applied.
    @discardableResult
    public func migrate(directory: String) throws -> [AppliedMigration] {
        let runner = MigrationRunner(dialect: dialect)
        let files = try MigrationFile.load(directory: runner.directory(in: directory))
        return try writeWithoutTransaction { conn in try runner.apply(files, on: conn) }
    }

    /// The rows of `schema_migrations` in version order; empty before the first `migrate`.
    public func appliedMigrations() throws -> [AppliedMigration] {
        let runner = MigrationRunner(dialect: dialect)
        return try read { conn in
            guard try runner.tableExists(conn) else { return [] }
            return try runner.applied(conn)
        }
    }
}

/// The migration steps, with the few that differ per dialect.
struct MigrationRunner {
    let dialect: SQLDialect

    /// Key of the PostgreSQL advisory lock held while migrating (the bytes of "billing!").
    static let advisoryLockKey: Int64 = 0x6269_6C6C_696E_6721

    func directory(in base: String) -> String {
        dialect == .postgres ? (base as NSString).appendingPathComponent("postgres") : base
    }

    var createTable: String {
        let integer = dialect == .postgres ? "BIGINT" : "INTEGER"
        return """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    \(integer) PRIMARY KEY,
                name       TEXT NOT NULL,
                checksum   TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """
    }

    func tableExists(_ conn: Connection) throws -> Bool {
        switch dialect {
        case .sqlite:
            return try conn.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") != 0
        case .postgres:
            return try conn.scalar("SELECT to_regclass('schema_migrations') IS NOT NULL") == 1
        }
    }

    func applied(_ conn: Connection) throws -> [AppliedMigration] {
        try conn.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version").map {
            AppliedMigration(
                version: Int(try $0.decode(Int64.self, "version")), name: try $0.decode(String.self, "name"),
                checksum: try $0.decode(String.self, "checksum"), appliedAt: try $0.decode(String.self, "applied_at"))
        }
    }

    func apply(_ files: [MigrationFile], on conn: Connection) throws -> [AppliedMigration] {
        guard dialect == .postgres else { return try applyLocked(files, on: conn) }
        // No statement timeout while waiting for another instance's run or applying a long file.
        try conn.execute("SET statement_timeout = 0")
        try conn.run("SELECT pg_advisory_lock(?)", [.integer(Self.advisoryLockKey)])
        defer {
            if conn.isInTransaction { _ = try? conn.run("ROLLBACK") }
            _ = try? conn.run("SELECT pg_advisory_unlock(?)", [.integer(Self.advisoryLockKey)])
            _ = try? conn.execute("RESET statement_timeout")
        }
        return try applyLocked(files, on: conn)
    }

    private func applyLocked(_ files: [MigrationFile], on conn: Connection) throws -> [AppliedMigration] {
        try conn.execute(createTable)
        let done = try applied(conn)
        var byVersion: [Int: MigrationFile] = [:]
        for f in files { byVersion[f.version] = f }
        for a in done {
            guard let f = byVersion[a.version], f.name == a.name else {
                throw MigrationError.missingFile(version: a.version, name: a.name)
            }
            guard f.checksum == a.checksum else { throw MigrationError.checksumMismatch(version: a.version, name: a.name) }
        }
        let doneVersions = Set(done.map(\.version))
        var appliedNow: [AppliedMigration] = []
        for f in files where !doneVersions.contains(f.version) {
            let record = AppliedMigration(version: f.version, name: f.name, checksum: f.checksum, appliedAt: RFC3339.format(Date()))
            do {
                try conn.run(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")
                try conn.execute(f.sql)
                if dialect == .sqlite, let violation = try conn.queryOne("PRAGMA foreign_key_check") {
                    throw DatabaseError(
                        code: ResultCode.constraintForeignKey.rawValue,
                        message: "foreign key check failed in table \(violation.string("table") ?? "?") (references \(violation.string("parent") ?? "?"))",
                        sql: "PRAGMA foreign_key_check")
                }
                try conn.run(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                    [SQLValue(record.version), SQLValue(record.name), SQLValue(record.checksum), SQLValue(record.appliedAt)])
                try conn.run("COMMIT")
            } catch let error as DatabaseError {
                if conn.isInTransaction { _ = try? conn.run("ROLLBACK") }
                throw MigrationError.failed(version: f.version, name: f.name, underlying: error)
            }
            appliedNow.append(record)
        }
        return appliedNow
    }
}
