import Foundation
import Storage
import Testing

struct MigrationTests {
    /// A migrations directory inside `dir` holding `files` (name → SQL).
    func makeMigrations(_ dir: TempDirectory, _ files: [String: String]) throws -> String {
        let path = dir.file("migrations")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, sql) in files { try sql.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
        return path
    }

    let basic = [
        "001_create_tenants.sql": "CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL);",
        "002_create_users.sql": """
            CREATE TABLE users (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE);
            CREATE INDEX users_tenant ON users(tenant_id);
            """,
        "README.md": "not a migration",
    ]

    @Test func migrate_AppliesAllInOrder_OnFreshDatabase() throws {
        let dir = TempDirectory()
        let db = try Database(path: dir.file("m.sqlite"))
        let applied = try db.migrate(directory: try makeMigrations(dir, basic))
        #expect(applied.map(\.version) == [1, 2])
        #expect(applied.map(\.name) == ["create_tenants", "create_users"])
        #expect(applied.allSatisfy { $0.checksum.count == 64 && $0.appliedAt.hasSuffix("Z") })
        #expect(try db.appliedMigrations() == applied)
        let tables = try db.read { try $0.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { $0.string("name") } }
        #expect(tables == ["schema_migrations", "tenants", "users"])
    }

    @Test func migrate_IsANoOp_WhenRunAgain() throws {
        let dir = TempDirectory()
        let path = try makeMigrations(dir, basic)
        let db = try Database(path: dir.file("m.sqlite"))
        let first = try db.migrate(directory: path)
        #expect(try db.migrate(directory: path).isEmpty)
        db.close()
        let reopened = try Database(path: dir.file("m.sqlite"))
        #expect(try reopened.migrate(directory: path).isEmpty)
        #expect(try reopened.appliedMigrations() == first)
    }

    @Test func migrate_AppliesOnlyNewFiles_AfterEarlierRun() throws {
        let dir = TempDirectory()
        let path = try makeMigrations(dir, basic)
        let db = try Database(path: dir.file("m.sqlite"))
        try db.migrate(directory: path)
        try "CREATE TABLE plans (id TEXT PRIMARY KEY);".write(toFile: path + "/003_create_plans.sql", atomically: true, encoding: .utf8)
        #expect(try db.migrate(directory: path).map(\.version) == [3])
    }

    @Test func migrate_RefusesChangedFile_NamingIt() throws {
        let dir = TempDirectory()
        let path = try makeMigrations(dir, basic)
        let db = try Database(path: dir.file("m.sqlite"))
        try db.migrate(directory: path)
        try "CREATE TABLE users (id TEXT PRIMARY KEY); -- edited".write(toFile: path + "/002_create_users.sql", atomically: true, encoding: .utf8)
        try "CREATE TABLE plans (id TEXT PRIMARY KEY);".write(toFile: path + "/003_create_plans.sql", atomically: true, encoding: .utf8)
        do {
            try db.migrate(directory: path)
            Issue.record("expected checksumMismatch")
        } catch let e as MigrationError {
            guard case .checksumMismatch(2, "create_users") = e else { Issue.record("got \(e)"); return }
            #expect(e.description.contains("002_create_users.sql"))
        }
        // Nothing new was applied either.
        #expect(try db.appliedMigrations().map(\.version) == [1, 2])
    }

    @Test func migrate_RefusesMissingFile_ForAppliedVersion() throws {
        let dir = TempDirectory()
        let path = try makeMigrations(dir, basic)
        let db = try Database(path: dir.file("m.sqlite"))
        try db.migrate(directory: path)
        try FileManager.default.removeItem(atPath: path + "/001_create_tenants.sql")
        #expect {
            try db.migrate(directory: path)
        } throws: { error in
            guard case .missingFile(1, "create_tenants") = error as? MigrationError else { return false }
            return true
        }
    }

    @Test func migrate_OrdersNumerically_NotLexically() throws {
        let dir = TempDirectory()
        var files = ["1_log.sql": "CREATE TABLE log (step INTEGER); INSERT INTO log VALUES (1);"]
        // Each step needs the previous one's table, so a lexical order (1, 10, 2, …) would fail.
        for n in 2...10 {
            files["\(n)_step\(n).sql"] = "CREATE TABLE t\(n) (x); INSERT INTO log SELECT \(n) WHERE (SELECT max(step) FROM log) = \(n - 1);"
        }
        let db = try Database(path: dir.file("m.sqlite"))
        let applied = try db.migrate(directory: try makeMigrations(dir, files))
        #expect(applied.map(\.version) == Array(1...10))
        let steps = try db.read { try $0.query("SELECT step FROM log ORDER BY rowid").compactMap { $0.int("step") } }
        #expect(steps == Array(1...10))
    }

    @Test func migrate_LeavesNoPartialSchema_WhenAFileFails() throws {
        let dir = TempDirectory()
        var files = basic
        files["003_broken.sql"] = """
            CREATE TABLE half_done (id INTEGER PRIMARY KEY);
            INSERT INTO half_done VALUES (1);
            INSERT INTO no_such_table VALUES (1);
            """
        files["004_after.sql"] = "CREATE TABLE after (id INTEGER);"
        let db = try Database(path: dir.file("m.sqlite"))
        do {
            try db.migrate(directory: try makeMigrations(dir, files))
            Issue.record("expected failure")
        } catch let e as MigrationError {
            guard case .failed(3, "broken", let underlying) = e else { Issue.record("got \(e)"); return }
            #expect(underlying.message.contains("no such table: no_such_table"))
            #expect(underlying.sql == "INSERT INTO no_such_table VALUES (1);")
            #expect(e.description.contains("003_broken.sql"))
        }
        let tables = try db.read { try $0.query("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { $0.string("name") } }
        #expect(!tables.contains("half_done") && !tables.contains("after"))
        #expect(try db.appliedMigrations().map(\.version) == [1, 2])
    }

    @Test func migrate_RejectsBadFileNames_AndDuplicateVersions() throws {
        let dir = TempDirectory()
        let db = try Database(path: dir.file("m.sqlite"))
        let bad = try makeMigrations(dir, ["create.sql": "SELECT 1;"])
        #expect(throws: MigrationError.self) { try db.migrate(directory: bad) }

        let dir2 = TempDirectory()
        let dup = try makeMigrations(dir2, ["001_a.sql": "SELECT 1;", "1_b.sql": "SELECT 2;"])
        #expect(throws: MigrationError.self) { try db.migrate(directory: dup) }
        #expect(try db.appliedMigrations().isEmpty)
    }
}

extension MigrationTests {
    @Test func migrate_OnSQLite_IgnoresThePostgresSubdirectory() throws {
        let dir = TempDirectory()
        let path = try makeMigrations(dir, basic)
        try FileManager.default.createDirectory(atPath: path + "/postgres", withIntermediateDirectories: true)
        try "CREATE TABLE pg_only (id BIGSERIAL);".write(toFile: path + "/postgres/003_pg_only.sql", atomically: true, encoding: .utf8)
        let db = try Database(path: dir.file("m.sqlite"))
        #expect(try db.migrate(directory: path).map(\.version) == [1, 2])
    }
}
