import Foundation
import Storage
import Support
import Testing

/// `billing-server import-php-db PATH [--dry-run] [--json]` end to end through the executable
/// (the mapping itself is covered by Tests/BillingTests/Import/PHPImportTests.swift).
@Suite(.serialized) struct ImportCLITests {
    let cli = try! CLITests()

    /// A small PHP-shaped database: two tenants, three events (one of an unknown type).
    func makePHPDatabase() throws -> String {
        let path = cli.directory.appendingPathComponent("php.sqlite").path
        let c = try SQLiteConnection(path: path)
        try c.execute("""
            PRAGMA journal_mode = DELETE;
            CREATE TABLE tenants (id INTEGER PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'active',
                plan TEXT, billing_email TEXT, settings TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
            CREATE TABLE usage_logs (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, resource_type TEXT NOT NULL,
                quantity INTEGER NOT NULL DEFAULT 1, metadata TEXT, created_at TEXT NOT NULL);
            INSERT INTO tenants VALUES (1843201, 'Acme', 'acme', 'active', 'starter', NULL, NULL, '2025-11-02 09:15:00', '2025-11-02 09:15:00');
            INSERT INTO tenants VALUES (90211, 'Beta', 'beta', 'active', NULL, NULL, NULL, '2025-11-02 09:15:00', '2025-11-02 09:15:00');
            INSERT INTO usage_logs VALUES (11, 1843201, 'message', 3, NULL, '2026-01-10 14:30:00');
            INSERT INTO usage_logs VALUES (12, 90211, 'completion', 2, NULL, '2026-01-10 15:00:00');
            INSERT INTO usage_logs VALUES (13, 90211, 'image_generation', 1, NULL, '2026-01-10 15:00:00');
            """)
        return path
    }

    @Test func dryRun_ThenImport_ThenRerunInsertsNothing() throws {
        let php = try makePHPDatabase()

        let dry = try cli.run(["import-php-db", php, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("dry run") && dry.stdout.contains("would-insert"))
        #expect(dry.stdout.contains("unknown resource_type 'image_generation'"))

        let real = try cli.run(["import-php-db", php, "--json"])
        #expect(real.status == 0, "\(real.stderr)")
        let report = try JSON.parse(real.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["dry_run"] == .bool(false))
        #expect(report["tables"]?["tenants"]?["inserted"] == .int(2))
        #expect(report["tables"]?["usage_logs"]?["inserted"] == .int(2))
        #expect(report["tables"]?["usage_logs"]?["skipped"] == .int(1))
        #expect(report["tables"]?["quotas"]?["present_in_source"] == .bool(false))
        #expect(report["rollups"]?["tenants"] == .int(2))

        let again = try cli.run(["import-php-db", php, "--json"])
        let second = try JSON.parse(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(second["tables"]?["usage_logs"]?["inserted"] == .int(0))
        #expect(second["tables"]?["usage_logs"]?["already_present"] == .int(2))
    }

    @Test func badUsage_ExitsWith2() throws {
        #expect(try cli.run(["import-php-db"]).status == 2)
        #expect(try cli.run(["import-php-db", "a", "b"]).status == 2)
        #expect(try cli.run(["import-php-db", "x.sqlite", "--source-timezone", "Mars/Olympus"]).status == 2)
        let missing = try cli.run(["import-php-db", cli.directory.appendingPathComponent("nope.sqlite").path])
        #expect(missing.status == 1 && missing.stderr.contains("no such file"))
    }
}
