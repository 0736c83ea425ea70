import Foundation
import Storage
import Support
import Testing

/// `DATABASE_URL` through the executable: validation, an unreachable server, backup on PostgreSQL, and
/// (with BILLING_TEST_DATABASE_URL) a real migrate that creates no SQLite file.
@Suite(.serialized) struct CLIDatabaseURLTests {
    let cli = try! CLITests()
    var sqliteFile: String { cli.directory.appendingPathComponent("db.sqlite").path }

    @Test func malformedURL_ExitsWith2_NamingTheKey_WithoutThePassword() throws {
        for url in ["postgres://billing:hunter2pass@db:99999/billing", "mysql://billing:hunter2pass@db/billing",
                    "postgres://billing:hunter2%zzpass@db/billing", "postgres://billing:hunter2pass@db/billing?sslmode=sometimes"] {
            let r = try cli.run(["migrate"], env: ["DATABASE_URL": url])
            #expect(r.status == 2, "\(url): \(r.stderr)")
            #expect(r.stderr.contains("DATABASE_URL"), "\(r.stderr)")
            #expect(!r.stderr.contains("hunter2"), "\(r.stderr)")
        }
    }

    @Test func unreachableServer_ExitsNonZero_NamingTheKeyAndServer_CreatingNothing() throws {
        for command in [["migrate"], ["serve"], ["create-api-key", "--role", "viewer"], ["jobs", "run", "mark_overdue"]] {
            let r = try cli.run(command, env: ["DATABASE_URL": "postgres://billing:hunter2pass@127.0.0.1:1/billing", "PORT": "0"])
            #expect(r.status == 1, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("DATABASE_URL") && r.stderr.contains("127.0.0.1:1/billing"), "\(r.stderr)")
            #expect(!r.stderr.contains("hunter2pass") && !r.stdout.contains("hunter2pass"))
        }
        #expect(!FileManager.default.fileExists(atPath: sqliteFile), "no SQLite file when DATABASE_URL is set")
    }

    @Test func backup_OnPostgreSQL_ExitsNonZero_PointingAtPgDump() throws {
        let r = try cli.run(["backup", cli.directory.appendingPathComponent("copy.sqlite").path],
                            env: ["DATABASE_URL": "postgres://billing:hunter2pass@127.0.0.1:1/billing"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("pg_dump") && !r.stderr.contains("hunter2pass"))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["BILLING_TEST_DATABASE_URL"]?.isEmpty == false,
                   "BILLING_TEST_DATABASE_URL is not set: PostgreSQL variants skipped"))
    func migrate_OnPostgreSQL_AppliesThePostgresDirectory_AndCreatesNoFile() throws {
        let admin = ProcessInfo.processInfo.environment["BILLING_TEST_DATABASE_URL"]!
        let name = "billing_cli_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let conn = try PostgresConnection(url: admin)
        try conn.execute("CREATE DATABASE \(name)")
        defer { _ = try? conn.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        var url = URLComponents(string: admin)!
        url.path = "/" + name
        let migrations = cli.directory.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: migrations.appendingPathComponent("postgres"), withIntermediateDirectories: true)
        try "CREATE TABLE sqlite_only (x);".write(to: migrations.appendingPathComponent("001_a.sql"), atomically: true, encoding: .utf8)
        try "CREATE TABLE a (id BIGINT PRIMARY KEY);".write(to: migrations.appendingPathComponent("postgres/001_a.sql"), atomically: true, encoding: .utf8)
        let env = ["DATABASE_URL": url.string!, "MIGRATIONS_DIR": migrations.path]
        let first = try cli.run(["migrate"], env: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied 001_a"))
        let second = try cli.run(["migrate"], env: env)
        #expect(second.status == 0 && second.stdout.contains("up to date"), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sqliteFile))
    }
}
