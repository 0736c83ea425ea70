import Foundation
import Storage
import Support
import Testing
@testable import Billing

/// A SQLite file shaped like the PHP application's database (tables derived from the seed's description:
/// mt_rand integer ids, TEXT timestamps 'YYYY-MM-DD HH:MM:SS', JSON in TEXT, money as decimals), filled with
/// realistic rows and some the import must refuse.
enum PHPDatabaseFixture {
    static let schema = """
        CREATE TABLE tenants (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'active',
            plan TEXT, billing_email TEXT, settings TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE usage_logs (
            id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, resource_type TEXT NOT NULL, quantity INTEGER NOT NULL DEFAULT 1,
            metadata TEXT, created_at TEXT NOT NULL);
        CREATE INDEX idx_usage_logs_tenant_date ON usage_logs(tenant_id, created_at);
        CREATE TABLE quotas (
            id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, resource_type TEXT NOT NULL, limit_value INTEGER NOT NULL,
            period TEXT NOT NULL, is_hard_limit INTEGER NOT NULL DEFAULT 0, notification_threshold INTEGER,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, plan_type TEXT NOT NULL, billing_cycle TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active', current_period_start TEXT NOT NULL, current_period_end TEXT,
            trial_ends_at TEXT, cancel_at_period_end INTEGER NOT NULL DEFAULT 0, external_subscription_id TEXT, metadata TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE invoices (
            id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, subscription_id INTEGER, invoice_number TEXT NOT NULL UNIQUE,
            amount DECIMAL(10,2) NOT NULL, currency TEXT NOT NULL DEFAULT 'BRL', status TEXT NOT NULL DEFAULT 'pending',
            due_date TEXT NOT NULL, paid_at TEXT, line_items TEXT, billing_details TEXT, notes TEXT, external_payment_id TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE payment_methods (
            id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, type TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0,
            card_last4 TEXT, card_brand TEXT, card_exp_month INTEGER, card_exp_year INTEGER, external_token TEXT,
            status TEXT NOT NULL DEFAULT 'active', created_at TEXT NOT NULL);
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, type TEXT NOT NULL, priority TEXT NOT NULL DEFAULT 'normal',
            subject TEXT NOT NULL, message TEXT NOT NULL, metadata TEXT, is_read INTEGER NOT NULL DEFAULT 0, read_at TEXT,
            created_at TEXT NOT NULL);
        CREATE TABLE tenant_usage (
            id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, resource_type TEXT NOT NULL, period_type TEXT NOT NULL,
            period_start TEXT NOT NULL, period_end TEXT NOT NULL, event_count INTEGER NOT NULL DEFAULT 0,
            total_quantity INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            UNIQUE (tenant_id, resource_type, period_type, period_start));
        """

    static let acme: Int64 = 1_843_201
    static let beta: Int64 = 90_211
    static let gamma: Int64 = 5_550_001  // invalid status: skipped, so its rows are orphans

    /// Acme's good usage events: (resource_type, quantity, created_at).
    static let acmeUsage: [(String, Int64, String)] = (0..<20).map { i in
        let types = ["message", "completion", "embedding", "file_upload"]
        return (types[i % 4], Int64(1 + i % 3), String(format: "2026-01-%02d %02d:%02d:00", 5 + i % 20, i % 24, (i * 7) % 60))
    }

    static func create(at path: String) throws {
        let c = try SQLiteConnection(path: path)
        try c.execute("PRAGMA journal_mode = DELETE")  // PDO's default; the import must cope with either
        try c.execute(schema)
        func t(_ sql: String, _ args: [SQLValue]) throws { try c.run(sql, args) }
        let tenant = "INSERT INTO tenants (id, name, slug, status, plan, billing_email, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        try t(tenant, [.integer(acme), "Acme Corp", "acme", "active", "professional", "billing@acme.example", "{\"timezone\":\"America/Sao_Paulo\"}",
                       "2025-11-02 09:15:00", "2026-01-03 10:00:00"])
        try t(tenant, [.integer(beta), "Beta Ltda", "beta", "suspended", "starter", nil, nil, "2025-12-01 08:00:00", "2025-12-01 08:00:00"])
        try t(tenant, [.integer(gamma), "Gamma", "gamma", "archived", nil, nil, nil, "2025-12-02 08:00:00", "2025-12-02 08:00:00"])

        let usage = "INSERT INTO usage_logs (id, tenant_id, resource_type, quantity, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        var id: Int64 = 700_000_000
        for (type, q, at) in acmeUsage {
            id += 977
            try t(usage, [.integer(id), .integer(acme), .text(type), .integer(q), "{\"model\":\"gpt-4o-mini\",\"tokens\":812}", .text(at)])
        }
        try t(usage, [1_000_001, .integer(beta), "api_call", 5, nil, "2026-01-20 12:00:00"])
        try t(usage, [1_000_002, .integer(beta), "message", 2, "not json", "2026-01-20 12:30:00"])
        try t(usage, [1_000_003, .integer(acme), "image_generation", 1, nil, "2026-01-21 12:00:00"])  // unknown resource type
        try t(usage, [1_000_004, .integer(acme), "message", -5, nil, "2026-01-21 12:00:00"])          // negative quantity
        try t(usage, [1_000_005, 424_242, "message", 1, nil, "2026-01-21 12:00:00"])                  // orphan
        try t(usage, [1_000_006, .integer(gamma), "message", 1, nil, "2026-01-21 12:00:00"])          // tenant skipped → orphan
        try t(usage, [1_000_007, .integer(acme), "message", 1, nil, "yesterday"])                     // bad timestamp

        let quota = "INSERT INTO quotas (id, tenant_id, resource_type, limit_value, period, is_hard_limit, notification_threshold, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        try t(quota, [31, .integer(acme), "message", 1000, "daily", 1, 80, "2025-11-02 09:20:00", "2025-11-02 09:20:00"])
        try t(quota, [32, .integer(acme), "completion", 50000, "lifetime", 0, nil, "2025-11-02 09:21:00", "2025-11-02 09:21:00"])
        try t(quota, [33, .integer(beta), "api_call", 100, "weekly", 1, nil, "2025-12-01 08:00:00", "2025-12-01 08:00:00"])
        try t(quota, [34, 424_242, "message", 10, "daily", 0, nil, "2025-12-01 08:00:00", "2025-12-01 08:00:00"])

        let sub = """
            INSERT INTO subscriptions (id, tenant_id, plan_type, billing_cycle, status, current_period_start, current_period_end, trial_ends_at,
                cancel_at_period_end, external_subscription_id, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        try t(sub, [41, .integer(acme), "professional", "monthly", "active", "2026-01-05 00:00:00", "2026-02-05 00:00:00", nil, 0, "sub_asaas_1", nil,
                    "2025-11-05 00:00:00", "2026-01-05 00:00:00"])
        try t(sub, [42, .integer(acme), "starter", "monthly", "active", "2026-01-05 00:00:00", "2026-02-05 00:00:00", nil, 0, nil, nil,
                    "2025-11-06 00:00:00", "2025-11-06 00:00:00"])  // second live one
        try t(sub, [43, .integer(beta), "starter", "yearly", "cancelled", "2025-01-01 00:00:00", "2026-01-01 00:00:00", nil, 0, nil, nil,
                    "2025-01-01 00:00:00", "2025-06-01 00:00:00"])
        try t(sub, [44, .integer(beta), "starter", "monthly", "trial", "2026-01-25 00:00:00", "2026-02-08 00:00:00", "2026-02-08 00:00:00", 0, nil, nil,
                    "2026-01-25 00:00:00", "2026-01-25 00:00:00"])
        try t(sub, [45, .integer(beta), "gold", "monthly", "active", "2026-01-25 00:00:00", nil, nil, 0, nil, nil, "2026-01-25 00:00:00", "2026-01-25 00:00:00"])

        let inv = """
            INSERT INTO invoices (id, tenant_id, subscription_id, invoice_number, amount, currency, status, due_date, paid_at, line_items, billing_details,
                notes, external_payment_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        try t(inv, [51, .integer(acme), 41, "INV-2026-000042", "199.00", "BRL", "paid", "2026-01-15", "2026-01-10 13:45:12",
                    "[{\"description\":\"Professional plan\",\"quantity\":1,\"amount\":199.00}]", "{\"name\":\"Acme Corp\"}", nil, "pay_123",
                    "2026-01-05 00:00:00", "2026-01-10 13:45:12"])
        try t(inv, [52, .integer(acme), nil, "INV-202601-0002", "49.90", "BRL", "pending", "2026-02-01", nil,
                    "[{\"description\":\"Extra messages\",\"quantity\":2,\"unit_price\":24.95},{\"description\":\"Setup\",\"amount\":0}]", nil,
                    "first extra", nil, "2026-01-12 00:00:00", "2026-01-12 00:00:00"])
        try t(inv, [53, .integer(beta), 43, "INV-202601-0003", 1234.56, "brl", "overdue", "2026-01-20 00:00:00", nil, "[{\"oops\":true}]", nil, nil, nil,
                    "2026-01-13 00:00:00", "2026-01-13 00:00:00"])
        try t(inv, [54, .integer(beta), nil, "INV-202601-0004", "10.005", "BRL", "pending", "2026-02-01", nil, nil, nil, nil, nil,
                    "2026-01-14 00:00:00", "2026-01-14 00:00:00"])  // fractions of a cent
        try t(inv, [55, .integer(acme), nil, "INV-202601-0005", "-5.00", "BRL", "pending", "2026-02-01", nil, nil, nil, nil, nil,
                    "2026-01-14 00:00:00", "2026-01-14 00:00:00"])  // negative
        try t(inv, [56, .integer(acme), nil, "INV-202601-0006", "10.00", "BRL", "unpaid", "2026-02-01", nil, nil, nil, nil, nil,
                    "2026-01-14 00:00:00", "2026-01-14 00:00:00"])  // unknown status
        try t(inv, [57, 424_242, nil, "INV-202601-0007", "10.00", "BRL", "pending", "2026-02-01", nil, nil, nil, nil, nil,
                    "2026-01-14 00:00:00", "2026-01-14 00:00:00"])  // orphan

        let pm = """
            INSERT INTO payment_methods (id, tenant_id, type, is_default, card_last4, card_brand, card_exp_month, card_exp_year, external_token, status, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        try t(pm, [61, .integer(acme), "credit_card", 1, "4242", "visa", 12, 2030, "tok_acme_visa", "active", "2025-11-03 10:00:00"])
        try t(pm, [62, .integer(acme), "pix", 1, nil, nil, nil, nil, nil, "active", "2025-11-04 10:00:00"])
        try t(pm, [63, .integer(beta), "boleto", 0, nil, nil, nil, nil, nil, "active", "2025-12-01 08:00:00"])
        try t(pm, [64, .integer(beta), "cheque", 0, nil, nil, nil, nil, nil, "active", "2025-12-01 08:00:00"])

        let note = "INSERT INTO notifications (id, tenant_id, type, priority, subject, message, metadata, is_read, read_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        try t(note, [71, .integer(acme), "quota_warning", "high", "80% of daily messages", "You used 800 of 1000 messages today.",
                     "{\"quota_id\":31}", 1, "2026-01-10 09:00:00", "2026-01-10 08:00:00"])
        try t(note, [72, .integer(beta), "payment_failed", "urgent", "Payment failed", "Your card was declined.", nil, 0, nil, "2026-01-20 08:00:00"])
        try t(note, [73, .integer(beta), "marketing", "low", "Newsletter", "Hello", nil, 0, nil, "2026-01-20 08:00:00"])

        // The PHP rollups: the message total matches Acme's raw events; the completion total is stale.
        let messages = acmeUsage.filter { $0.0 == "message" }
        let tu = """
            INSERT INTO tenant_usage (tenant_id, resource_type, period_type, period_start, period_end, event_count, total_quantity, created_at, updated_at)
            VALUES (?, ?, 'total', '1970-01-01 00:00:00', '9999-12-31 23:59:59', ?, ?, '2026-01-31 00:00:00', '2026-01-31 00:00:00')
            """
        try t(tu, [.integer(acme), "message", .integer(Int64(messages.count)), .integer(messages.reduce(0) { $0 + $1.1 })])
        try t(tu, [.integer(acme), "completion", 1, 1])
    }
}

@Suite struct PHPImportTests {
    let world: BillingTestWorld
    let source: String

    init() throws {
        world = try BillingTestWorld(now: "2026-01-31T12:00:00Z")
        source = world.directory.appendingPathComponent("php-app.sqlite").path
        try PHPDatabaseFixture.create(at: source)
    }

    func importer(dryRun: Bool = false, key: String? = nil, batch: Int = 7) -> PHPImporter {
        var options = PHPImportOptions()
        options.dryRun = dryRun
        options.batchSize = batch  // small, so every table spans several write units
        options.paymentDataKey = key
        return PHPImporter(database: world.database, clock: world.clock, settings: world.settings, options: options)
    }

    func count(_ table: String) throws -> Int {
        try world.database.read { Int(try $0.scalar("SELECT count(*) FROM \(table)").int64Value ?? 0) }
    }

    func id(_ php: Int64, _ table: String) -> String { PHPImportIds.map(.integer(php), table: table)! }

    func reasons(_ report: PHPImportReport, _ table: String) -> [String: Int] {
        report.table(table)!.skipped.mapValues(\.count)
    }

    @Test func idScheme_IsFixedPerTable_AndKeepsTextIds() {
        #expect(PHPImportIds.map(.integer(1_843_201), table: "tenants") == "00000000-0000-8000-8001-0000001c2001")
        #expect(PHPImportIds.map(.text("1843201"), table: "tenants") == "00000000-0000-8000-8001-0000001c2001")
        #expect(PHPImportIds.map(.integer(1_843_201), table: "usage_logs") == "00000000-0000-8000-8002-0000001c2001")
        #expect(PHPImportIds.map(.text("0B9F3C2E-1D4A-4F00-9C1B-2A3B4C5D6E7F"), table: "tenants") == "0b9f3c2e-1d4a-4f00-9c1b-2a3b4c5d6e7f")
        let hashed = PHPImportIds.map(.text("tnt_5f2a"), table: "tenants")
        #expect(hashed != nil && UUIDv7.isValid(hashed!) && hashed == PHPImportIds.map(.text("tnt_5f2a"), table: "tenants"))
        #expect(Array(hashed!.utf8)[14] == UInt8(ascii: "8"))
        #expect(PHPImportIds.map(.integer(-1), table: "tenants") == nil)
        #expect(PHPImportIds.map(.integer(1 << 48), table: "tenants") == nil)
        #expect(PHPImportIds.map(.null, table: "tenants") == nil)
    }

    @Test func money_ConvertsDecimalsExactly() {
        #expect(PHPMoney.centsFromMajor(.text("199.00")) == .success(19900))
        #expect(PHPMoney.centsFromMajor(.real(49.9)) == .success(4990))
        #expect(PHPMoney.centsFromMajor(.real(1234.56)) == .success(123456))
        #expect(PHPMoney.centsFromMajor(.real(0.1 + 0.2)) == .failure(.fractionalCents("0.30000000000000004")))
        #expect(PHPMoney.centsFromMajor(.text("19,9")) == .success(1990))
        #expect(PHPMoney.centsFromMajor(.integer(7)) == .success(700))
        #expect(PHPMoney.centsFromMajor(.text("10.005")) == .failure(.fractionalCents("10.005")))
        #expect(PHPMoney.centsFromMajor(.text("10.500")) == .success(1050))
        #expect(PHPMoney.centsFromMajor(.text("-5.00")) == .failure(.negative("-5.00")))
        #expect(PHPMoney.centsFromMajor(.text("abc")) == .failure(.notANumber("abc")))
        #expect(PHPMoney.centsFromMinor(.text("4990")) == .success(4990))
        #expect(PHPMoney.centsFromMinor(.real(4990.0)) == .success(4990))
        #expect(PHPMoney.centsFromMinor(.real(49.5)) == .failure(.fractionalCents("49.5")))
    }

    @Test func time_ParsesPHPFormats() {
        let utc = TimeZone(identifier: "UTC")!
        #expect(PHPTime.parse(.text("2026-01-10 14:30:00"), timeZone: utc) == date("2026-01-10T14:30:00Z"))
        #expect(PHPTime.parse(.text("2026-01-10T14:30:00-03:00"), timeZone: utc) == date("2026-01-10T17:30:00Z"))
        #expect(PHPTime.parse(.text("2026-01-10"), timeZone: utc) == date("2026-01-10T00:00:00Z"))
        #expect(PHPTime.parse(.integer(1_768_055_400), timeZone: utc) == date("2026-01-10T14:30:00Z"))
        #expect(PHPTime.parse(.text("2026-01-10 14:30:00"), timeZone: TimeZone(identifier: "America/Sao_Paulo")!) == date("2026-01-10T17:30:00Z"))
        #expect(PHPTime.parse(.text("0000-00-00 00:00:00"), timeZone: utc) == nil)
        #expect(PHPTime.parse(.text("2026-02-30 00:00:00"), timeZone: utc) == nil)
        #expect(PHPTime.parse(.text("yesterday"), timeZone: utc) == nil)
    }

    @Test func import_KeepsIds_SkipsBadRowsWithReasons_AndRebuildsRollups() throws {
        let report = try importer().run(sourcePath: source)

        // Counts per table: inserted / already present / skipped.
        let expected: [String: (read: Int, inserted: Int, skipped: Int)] = [
            "tenants": (3, 2, 1), "usage_logs": (27, 22, 5), "quotas": (4, 2, 2), "subscriptions": (5, 3, 2),
            "invoices": (7, 3, 4), "payment_methods": (4, 2, 2), "notifications": (3, 2, 1),
        ]
        for (name, e) in expected {
            let t = try #require(report.table(name))
            #expect((t.read, t.inserted, t.alreadyPresent, t.skippedCount) == (e.read, e.inserted, 0, e.skipped), "\(name): \(t)")
            #expect(try count(name) == e.inserted, "\(name)")
        }

        // Bad rows skipped, each with its reason.
        #expect(reasons(report, "tenants") == ["invalid status 'archived'": 1])
        #expect(reasons(report, "usage_logs") == ["unknown resource_type 'image_generation'": 1, "negative quantity": 1,
                                                  "orphan: tenant_id is not an imported tenant": 2, "created_at 'yesterday' is not a timestamp": 1])
        #expect(report.table("usage_logs")!.skipped["orphan: tenant_id is not an imported tenant"]!.examples == ["1000005", "1000006"])
        #expect(reasons(report, "quotas") == ["invalid period 'weekly'": 1, "orphan: tenant_id is not an imported tenant": 1])
        #expect(reasons(report, "subscriptions") == ["the tenant already has a live subscription": 1, "unknown plan_type 'gold'": 1])
        #expect(reasons(report, "invoices") == ["amount: amount 10.005 has fractions of a cent": 1, "amount: amount -5 is negative": 1,
                                                "invalid status 'unpaid'": 1, "orphan: tenant_id is not an imported tenant": 1])
        #expect(reasons(report, "payment_methods") == ["card token cannot be stored: PAYMENT_DATA_KEY is not configured": 1, "invalid type 'cheque'": 1])
        #expect(reasons(report, "notifications") == ["unknown type 'marketing'": 1])
        #expect(report.table("quotas")!.notes["period 'lifetime' mapped to 'total'"] == 1)

        // Ids kept (mapped), foreign keys mapped with the same function, and intact.
        let acme = id(PHPDatabaseFixture.acme, "tenants")
        let tenant = try #require(try world.database.read { try $0.queryOne("SELECT * FROM tenants WHERE id = ?", [.text(acme)]) })
        #expect(tenant.string("slug") == "acme" && tenant.string("created_at") == "2025-11-02T09:15:00.000Z")
        #expect(tenant.string("settings_json") == "{\"timezone\":\"America/Sao_Paulo\"}")
        let sub = try #require(try world.database.read { try $0.queryOne("SELECT * FROM subscriptions WHERE id = ?", [.text(id(41, "subscriptions"))]) })
        #expect(sub.string("tenant_id") == acme && sub.string("status") == "active" && sub.int("price_cents") == 19900)
        #expect(sub.string("current_period_end") == "2026-02-05T00:00:00.000Z" && sub.string("anchor_at") == "2026-01-05T00:00:00.000Z")
        let trial = try #require(try world.database.read { try $0.queryOne("SELECT * FROM subscriptions WHERE id = ?", [.text(id(44, "subscriptions"))]) })
        #expect(trial.string("status") == "trial" && trial.string("trial_ends_at") == "2026-02-08T00:00:00.000Z")
        let invoice = try #require(try world.database.read { try $0.queryOne("SELECT * FROM invoices WHERE id = ?", [.text(id(51, "invoices"))]) })
        #expect(invoice.string("subscription_id") == id(41, "subscriptions") && invoice.string("tenant_id") == acme)
        #expect(invoice.int("amount_cents") == 19900 && invoice.string("status") == "paid" && invoice.string("paid_at") == "2026-01-10T13:45:12.000Z")
        let amounts = try world.database.read { try $0.query("SELECT invoice_number, amount_cents, currency, due_date FROM invoices ORDER BY invoice_number") }
        #expect(amounts.map { "\($0.string("invoice_number")!) \($0.int("amount_cents")!) \($0.string("currency")!) \($0.string("due_date")!)" } == [
            "INV-2026-000042 19900 BRL 2026-01-15", "INV-202601-0002 4990 BRL 2026-02-01", "INV-202601-0003 123456 BRL 2026-01-20",
        ])
        // Line items in our shape, always adding up to the amount.
        for inv in try world.database.read({ try $0.query("SELECT amount_cents, line_items_json FROM invoices") }) {
            let lines = try InvoiceStore.decodeLines(inv)
            #expect(!lines.isEmpty && Money.sum(lines.map(\.amountCents)) == inv.int("amount_cents"))
        }
        // New invoice numbers continue after an imported INV-2026-000042.
        #expect(try world.database.read { try $0.scalar("SELECT last_number FROM invoice_number_counters WHERE year = 2026").int64Value } == 42)
        let quota = try #require(try world.database.read { try $0.queryOne("SELECT * FROM quotas WHERE id = ?", [.text(id(32, "quotas"))]) })
        #expect(quota.string("period") == "total" && quota.int("limit_value") == 50000)
        let pix = try #require(try world.database.read { try $0.queryOne("SELECT * FROM payment_methods WHERE id = ?", [.text(id(62, "payment_methods"))]) })
        #expect(pix.int("is_default") == 1)  // the card (the PHP default) was skipped, so the pix method keeps the default
        let read = try #require(try world.database.read { try $0.queryOne("SELECT * FROM notifications WHERE id = ?", [.text(id(71, "notifications"))]) })
        #expect(read.string("status") == "read" && read.string("read_at") == "2026-01-10T09:00:00.000Z" && read.string("priority") == "high")
        let pending = try #require(try world.database.read { try $0.queryOne("SELECT * FROM notifications WHERE id = ?", [.text(id(72, "notifications"))]) })
        #expect(pending.string("status") == "failed" && pending.string("read_at") == nil)  // never e-mailed after the fact

        // Usage: times to Unix ms, metadata kept, invalid metadata dropped.
        let first = PHPDatabaseFixture.acmeUsage[0]
        let event = try #require(try world.database.read { try $0.queryOne("SELECT * FROM usage_logs WHERE id = ?", [.text(id(700_000_977, "usage_logs"))]) })
        #expect(event.int("occurred_at") == Int64(date("2026-01-05T00:00:00Z").timeIntervalSince1970 * 1000) && first.2 == "2026-01-05 00:00:00")
        #expect(event.string("metadata_json") == "{\"model\":\"gpt-4o-mini\",\"tokens\":812}" && event.string("tenant_id") == acme)
        #expect(report.table("usage_logs")!.notes["metadata was not a JSON object; dropped"] == 1)

        // Foreign keys and the file intact.
        // (PostgreSQL enforces foreign keys on every statement and has no file check: nothing to ask there.)
        let (fkProblems, integrity) = try world.database.read { conn in
            conn.dialect == .postgres ? (0, "ok")
                : (try conn.query("PRAGMA foreign_key_check").count, try conn.scalar("PRAGMA integrity_check").stringValue)
        }
        #expect(fkProblems == 0 && integrity == "ok")

        // Rollups rebuilt from the imported raw events: every bucket equals the raw sums.
        #expect(report.rollupTenants == 2 && report.rollupRows > 0)
        try world.database.read { conn throws in
            for period in ["hourly", "daily", "monthly", "total"] {
                let rollups = try conn.query("""
                    SELECT tenant_id, resource_type, sum(event_count) AS n, sum(total_quantity) AS q FROM tenant_usage
                    WHERE period_type = ? GROUP BY tenant_id, resource_type ORDER BY tenant_id, resource_type
                    """, [.text(period)])
                let raw = try conn.query("""
                    SELECT tenant_id, resource_type, count(*) AS n, sum(quantity) AS q FROM usage_logs
                    GROUP BY tenant_id, resource_type ORDER BY tenant_id, resource_type
                    """)
                #expect(rollups.map(\.values) == raw.map(\.values), "\(period)")
            }
        }
        let acmeMessages = PHPDatabaseFixture.acmeUsage.filter { $0.0 == "message" }
        let stats = try UsageService(database: world.database, clock: world.clock, settings: world.settings)
            .summary(tenantId: acme, period: .total).totals[.message]
        #expect(stats == UsageTotals(eventCount: Int64(acmeMessages.count), totalQuantity: acmeMessages.reduce(0) { $0 + $1.1 }))

        // The PHP tenant_usage was only compared: its stale completion total is reported, not imported.
        #expect(report.tenantUsagePresent && report.tenantUsageCompared == 2 && report.tenantUsageEqual == 1)
        #expect(report.tenantUsageDifferences.map(\.resourceType) == ["completion"])
        #expect(report.text.contains("tenant_usage cross-check"))

        // An audit event records the import.
        #expect(try world.database.read { try $0.scalar("SELECT count(*) FROM audit_events WHERE action = 'import_php_db'").int64Value } == 1)
    }

    @Test func secondRun_InsertsNothing_AndReportsEverythingPresent() throws {
        let first = try importer().run(sourcePath: source)
        let snapshot = try Self.checksum(world.database)
        let second = try importer(batch: 1000).run(sourcePath: source)
        #expect(second.insertedTotal == 0)
        for t in first.tables {
            let again = try #require(second.table(t.name))
            #expect(again.alreadyPresent == t.inserted && again.skippedCount == t.skippedCount, "\(t.name)")
        }
        #expect(second.rollupTenants == 0)
        #expect(try Self.checksum(world.database) == snapshot)
    }

    @Test func dryRun_WritesNothing_AndPredictsTheRealRun() throws {
        let dry = try importer(dryRun: true).run(sourcePath: source)
        #expect(try count("tenants") == 0 && count("usage_logs") == 0 && count("audit_events") == 0)
        #expect(dry.dryRun && dry.text.contains("would-insert"))
        let real = try importer().run(sourcePath: source)
        for t in real.tables {
            let d = try #require(dry.table(t.name))
            #expect((d.inserted, d.alreadyPresent, d.skipped) == (t.inserted, t.alreadyPresent, t.skipped), "\(t.name)")
        }
        #expect(dry.rollupTenants == real.rollupTenants)
        #expect(dry.tenantUsageDifferences == real.tenantUsageDifferences)
        let after = try importer(dryRun: true).run(sourcePath: source)
        #expect(after.insertedTotal == 0 && after.table("usage_logs")!.alreadyPresent == 22)
    }

    @Test func withPaymentDataKey_CardTokensAreSealed() throws {
        let key = SecretBox.makeKey()
        let report = try importer(key: key).run(sourcePath: source)
        #expect(report.table("payment_methods")!.inserted == 3)
        #expect(report.table("payment_methods")!.notes["second default method of a tenant imported as not default"] == 1)
        let acme = id(PHPDatabaseFixture.acme, "tenants")
        let cardId = id(61, "payment_methods")
        let stored = try world.database.read { try $0.queryOne("SELECT * FROM payment_methods WHERE id = ?", [.text(cardId)]) }
        #expect(stored?.string("token_sealed")?.hasPrefix("v2:") == true && stored?.int("is_default") == 1)
        #expect(stored?.string("card_last4") == "4242" && stored?.int("exp_month") == 12 && stored?.int("exp_year") == 2030)
        var settings = world.settings
        settings.paymentDataKey = key
        let service = PaymentMethodService(database: world.database, clock: world.clock, settings: settings)
        #expect(try service.openToken(id: cardId, tenantId: acme) == "tok_acme_visa")
    }

    @Test func missingFile_Throws_AndAnEmptySourceImportsNothing() throws {
        #expect(throws: (any Error).self) { try importer().run(sourcePath: world.directory.appendingPathComponent("nope.sqlite").path) }
        let empty = world.directory.appendingPathComponent("empty.sqlite").path
        do {
            let c = try SQLiteConnection(path: empty)
            try c.execute("PRAGMA journal_mode = DELETE; CREATE TABLE unrelated (x)")
        }
        let report = try importer().run(sourcePath: empty)
        #expect(report.tables.allSatisfy { !$0.present } && report.insertedTotal == 0 && !report.tenantUsagePresent)
    }

    /// Every row of every table of ours but the audit trail (each run records itself), in a stable order.
    static func checksum(_ db: Database) throws -> String {
        try db.read { conn in
            var out = ""
            for name in try conn.tableNames() where name != "audit_events" {
                out += name + ":" + (try conn.query("SELECT * FROM \(name) ORDER BY 1, 2").map { $0.description }.joined(separator: "|")) + "\n"
            }
            return Crypto.sha256Hex(out)
        }
    }
}
