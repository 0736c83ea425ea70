import BackendTestSupport
import Foundation
import Storage
import Support
@testable import Billing

/// A migrated database in a temp directory (or a fresh PostgreSQL database when the suites run on PostgreSQL,
/// `TestBackendEnvironment`), a manual clock, and the billing services over them.
final class BillingTestWorld: @unchecked Sendable {
    let directory: URL
    let database: Database
    let postgres: FreshPostgresDatabase?
    let clock: ManualClock
    var settings: BillingSettings

    static var migrations: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations").path
    }

    init(now: String = "2026-01-31T12:00:00Z", configure: (inout BillingSettings) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-unit-\(UUIDv7.random())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        postgres = TestBackendEnvironment.usesPostgres ? try FreshPostgresDatabase(prefix: "unit") : nil
        if let postgres {
            var configuration = DatabaseConfiguration()
            configuration.readerCount = 2
            configuration.writerCount = 2
            database = try Database(postgresURL: postgres.url, configuration: configuration)
        } else {
            database = try Database(path: directory.appendingPathComponent("billing.sqlite").path)
        }
        _ = try database.migrate(directory: Self.migrations)
        clock = ManualClock(RFC3339.parse(now)!)
        settings = BillingSettings()
        settings.usageLateWindowSeconds = 3600
        configure(&settings)
    }

    deinit {
        database.close()
        try? FileManager.default.removeItem(at: directory)
    }

    var subscriptions: SubscriptionService { SubscriptionService(database: database, clock: clock, settings: settings) }
    var invoices: InvoiceService { InvoiceService(database: database, clock: clock) }
    func jobs(faults: JobFaults = JobFaults(), charger: (any InvoiceCharger)? = nil) -> JobRunner {
        JobRunner(database: database, clock: clock, settings: settings, charger: charger, faults: faults)
    }

    func makeTenant(_ name: String = "Acme") throws -> String {
        let id = UUIDv7.make(at: clock.now())
        let now = StoredTime.format(clock.now())
        try database.write { conn in
            try conn.run("INSERT INTO tenants (id, name, slug, status, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?)",
                         [.text(id), .text(name), .text("t-\(id.suffix(12))"), .text(now), .text(now)])
        }
        return id
    }

    /// Subscribes `tenant` (starter, monthly unless told otherwise) as the system.
    func subscribe(_ tenant: String, plan: PlanType = .starter, cycle: BillingCycle = .monthly,
                   configure: (inout SubscriptionDraft) -> Void = { _ in }) throws -> Subscription {
        var d = SubscriptionDraft()
        d.planType = plan
        d.billingCycle = cycle
        configure(&d)
        return try subscriptions.create(tenantId: tenant, d, context: .system)
    }

    /// The tenant's invoices in number order.
    func invoiceList(_ tenant: String) throws -> [Invoice] {
        var q = InvoiceQuery()
        q.limit = 500
        return try invoices.list(tenantId: tenant, q).items.sorted { $0.number < $1.number }
    }

    func set(_ text: String) { clock.set(RFC3339.parse(text)!) }

    func invoiceCount(_ tenant: String) throws -> Int {
        try database.read { Int(try $0.scalar("SELECT count(*) FROM invoices WHERE tenant_id = ?", [.text(tenant)]).int64Value ?? 0) }
    }

    /// Records usage directly into the rollups and raw table (as the ingestor would).
    func addUsage(_ tenant: String, _ type: ResourceType, quantity: Int64, at text: String) throws {
        let ms = Int64(RFC3339.parse(text)!.timeIntervalSince1970 * 1000)
        let cal = settings.calendar
        try database.write { conn in
            try conn.run("INSERT INTO usage_logs (id, tenant_id, resource_type, quantity, occurred_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         [.text(UUIDv7.random()), .text(tenant), .text(type.rawValue), .integer(quantity), .integer(ms), .integer(ms)])
            for period in PeriodType.allCases {
                let start = cal.periodStart(period, containing: ms / 1000)
                try conn.run("""
                    INSERT INTO tenant_usage (tenant_id, resource_type, period_type, period_start, event_count, total_quantity) VALUES (?, ?, ?, ?, 1, ?)
                    ON CONFLICT (tenant_id, resource_type, period_type, period_start)
                    DO UPDATE SET event_count = tenant_usage.event_count + 1, total_quantity = tenant_usage.total_quantity + excluded.total_quantity
                    """, [.text(tenant), .text(type.rawValue), .text(period.rawValue), .integer(start), .integer(quantity)])
            }
        }
    }
}

func date(_ text: String) -> Date { RFC3339.parse(text)! }
