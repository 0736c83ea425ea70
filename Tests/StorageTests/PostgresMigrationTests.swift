import Foundation
@testable import Storage
import Synchronization
import Testing

/// Migrations on PostgreSQL: `migrations/postgres/`, one transaction per file, under an advisory lock.
@Suite(.enabled(if: PostgresTestCluster.isConfigured, PostgresTestCluster.skipReason))
struct PostgresMigrationTests {
    /// `dir/migrations` with `sqlite` files at its top and `postgres` files in its `postgres/` subdirectory.
    func makeMigrations(_ dir: TempDirectory, postgres: [String: String], sqlite: [String: String] = [:]) throws -> String {
        let path = dir.file("migrations")
        try FileManager.default.createDirectory(atPath: path + "/postgres", withIntermediateDirectories: true)
        for (name, sql) in sqlite { try sql.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
        for (name, sql) in postgres { try sql.write(toFile: path + "/postgres/" + name, atomically: true, encoding: .utf8) }
        return path
    }

    let basic = [
        "001_create_tenants.sql": "CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL);",
        "002_create_users.sql": """
            CREATE TABLE users (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE, active BIGINT NOT NULL DEFAULT 1);
            CREATE INDEX users_tenant ON users(tenant_id);
            """,
    ]

    func tables(_ db: Database) throws -> [String] {
        try db.read { try $0.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").compactMap { $0.string("tablename") } }
    }

    @Test func migrate_AppliesThePostgresDirectory_OnceAndInOrder() throws {
        let t = try TestDatabase(.postgres, items: false)
        let path = try makeMigrations(t.directory, postgres: basic, sqlite: ["001_create_tenants.sql": "CREATE TABLE sqlite_only (x);"])
        let applied = try t.db.migrate(directory: path)
        #expect(applied.map(\.version) == [1, 2] && applied.map(\.name) == ["create_tenants", "create_users"])
        #expect(applied.allSatisfy { $0.checksum.count == 64 && $0.appliedAt.hasSuffix("Z") })
        #expect(try t.db.appliedMigrations() == applied)
        #expect(try tables(t.db) == ["schema_migrations", "tenants", "users"])
        #expect(try t.db.migrate(directory: path).isEmpty)
        let again = try t.reopen()
        defer { again.close() }
        #expect(try again.migrate(directory: path).isEmpty)
        #expect(try again.appliedMigrations() == applied)
    }

    @Test func appliedMigrations_IsEmpty_BeforeTheFirstRun() throws {
        let t = try TestDatabase(.postgres, items: false)
        #expect(try t.db.appliedMigrations().isEmpty)
        #expect {
            try t.db.migrate(directory: t.directory.file("nowhere"))
        } throws: { error in
            guard case .missingDirectory(let d) = error as? MigrationError else { return false }
            return d.hasSuffix("nowhere/postgres")
        }
    }

    @Test func migrate_LeavesNoPartialSchema_WhenAFileFails() throws {
        let t = try TestDatabase(.postgres, items: false)
        var files = basic
        files["003_broken.sql"] = """
            CREATE TABLE half_done (id BIGINT PRIMARY KEY);
            INSERT INTO half_done VALUES (1);
            INSERT INTO no_such_table VALUES (1);
            """
        files["004_after.sql"] = "CREATE TABLE after (id BIGINT);"
        do {
            try t.db.migrate(directory: try makeMigrations(t.directory, postgres: files))
            Issue.record("expected failure")
        } catch let e as MigrationError {
            guard case .failed(3, "broken", let underlying) = e else { Issue.record("got \(e)"); return }
            #expect(underlying.message.contains("\"no_such_table\" does not exist"))
            #expect(underlying.sql == "INSERT INTO no_such_table VALUES (1);")
        }
        #expect(try tables(t.db) == ["schema_migrations", "tenants", "users"])
        #expect(try t.db.appliedMigrations().map(\.version) == [1, 2])
        // The lock was released and the session reset: a later run works.
        try FileManager.default.removeItem(atPath: t.directory.file("migrations/postgres/003_broken.sql"))
        try FileManager.default.removeItem(atPath: t.directory.file("migrations/postgres/004_after.sql"))
        #expect(try t.db.migrate(directory: t.directory.file("migrations")).isEmpty)
        #expect(try t.db.write { try $0.scalar("SHOW statement_timeout") } == "30s")
    }

    @Test func migrate_RefusesChangedFile() throws {
        let t = try TestDatabase(.postgres, items: false)
        let path = try makeMigrations(t.directory, postgres: basic)
        try t.db.migrate(directory: path)
        try "CREATE TABLE users (id TEXT); -- edited".write(toFile: path + "/postgres/002_create_users.sql", atomically: true, encoding: .utf8)
        #expect {
            try t.db.migrate(directory: path)
        } throws: { error in
            guard case .checksumMismatch(2, "create_users") = error as? MigrationError else { return false }
            return true
        }
    }

    @Test func concurrentMigrations_FromFourInstances_ApplyEachFileOnce() throws {
        let t = try TestDatabase(.postgres, items: false)
        let path = try makeMigrations(t.directory, postgres: [
            "001_log.sql": "CREATE TABLE log (step BIGINT NOT NULL UNIQUE);",
            "002_slow.sql": "SELECT pg_sleep(0.3); INSERT INTO log VALUES (2);",
            "003_more.sql": "CREATE TABLE more (id BIGINT); INSERT INTO log VALUES (3);",
        ])
        var configuration = DatabaseConfiguration()
        configuration.readerCount = 1
        let url = t.postgres!.url
        let instances = try (0..<4).map { _ in try Database(postgresURL: url, configuration: configuration) }
        defer { instances.forEach { $0.close() } }
        let errors = ErrorLog()
        let appliedVersions = Mutex<[Int]>([])
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for db in instances {
            group.enter()
            Thread {
                start.wait()
                do {
                    let applied = try db.migrate(directory: path)
                    appliedVersions.withLock { $0 += applied.map(\.version) }
                } catch { errors.record(error) }
                group.leave()
            }.start()
        }
        for _ in instances { start.signal() }
        group.wait()
        #expect(errors.all.isEmpty, "\(errors.all)")
        #expect(appliedVersions.withLock { $0.sorted() } == [1, 2, 3], "each file applied by exactly one instance")
        #expect(try t.db.read { try $0.query("SELECT step FROM log ORDER BY step").compactMap { $0.int("step") } } == [2, 3])
        #expect(try t.db.appliedMigrations().map(\.version) == [1, 2, 3])
    }
}

/// A PostgreSQL server restarted or stopped under a running `Database` (a private cluster per test).
@Suite(.serialized, .enabled(if: PrivateCluster.isAvailable, PrivateCluster.skipReason))
struct PostgresRestartTests {
    @Test func restart_CallsRecoverOnTheirOwn_AndStoppedServerFailsFast() throws {
        let cluster = try PrivateCluster()
        var configuration = DatabaseConfiguration()
        configuration.readerCount = 2
        configuration.connectTimeoutSeconds = 2
        let db = try Database(postgresURL: cluster.url, configuration: configuration)
        defer { db.close() }
        try db.write { try $0.execute("CREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT)") }
        try db.write { try $0.run("INSERT INTO items (name) VALUES ('before')") }

        /// Writes and reads until both succeed; every failure on the way must be `isUnavailable`.
        func recover(within seconds: Double) -> (ok: Bool, failures: [String]) {
            var failures: [String] = []
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                do {
                    try db.write { try $0.run("INSERT INTO items (name) VALUES ('after')") }
                    _ = try db.read { try $0.scalar("SELECT count(*) FROM items") }
                    return (true, failures)
                } catch let e as DatabaseError where e.isUnavailable {
                    failures.append("\(e)")
                    usleep(50_000)
                } catch {
                    failures.append("NOT UNAVAILABLE: \(error)")
                    return (false, failures)
                }
            }
            return (false, failures)
        }

        try cluster.restart()
        let afterRestart = recover(within: 10)
        #expect(afterRestart.ok, "\(afterRestart.failures)")
        #expect(afterRestart.failures.count <= 2, "at most the first calls fail: \(afterRestart.failures)")

        try cluster.stop()
        let start = Date()
        for _ in 0..<5 {
            #expect { try db.write { try $0.run("INSERT INTO items (name) VALUES ('down')") } } throws: { ($0 as? DatabaseError)?.isUnavailable == true }
            #expect { try db.read { try $0.scalar("SELECT 1") } } throws: { ($0 as? DatabaseError)?.isUnavailable == true }
        }
        #expect(Date().timeIntervalSince(start) < 3, "an unreachable server fails calls fast")

        try cluster.start()
        let afterStart = recover(within: 10)
        #expect(afterStart.ok, "\(afterStart.failures)")
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM items WHERE name = 'down'") } == 0)
    }
}
