import Foundation
import Storage
import Support

/// How `billing-server import-php-db` runs.
public struct PHPImportOptions: Sendable {
    /// Count what would happen; write nothing.
    public var dryRun = false
    /// PHP rows per write unit (each unit is one transaction of the writer); at most 1000.
    public var batchSize = 1000
    /// Zone of PHP timestamps written without an offset (`YYYY-MM-DD HH:MM:SS`); UTC by default.
    public var sourceTimeZone = TimeZone(identifier: "UTC")!
    /// `PAYMENT_DATA_KEY`; without it card methods are skipped (their tokens cannot be stored sealed).
    public var paymentDataKey: String?
    /// Currency of rows that name none (the PHP default was BRL).
    public var defaultCurrency = "BRL"

    public init() {}
}

/// What an import did (or, in a dry run, would do), per table.
public struct PHPImportReport: Sendable {
    public struct Skip: Sendable, Equatable {
        public var count = 0
        /// The first few PHP ids skipped for this reason.
        public var examples: [String] = []
    }

    public struct Table: Sendable {
        public let name: String
        /// False when the PHP database has no such table.
        public var present = true
        public var read = 0
        /// Inserted, or in a dry run would be inserted.
        public var inserted = 0
        public var alreadyPresent = 0
        public var skipped: [String: Skip] = [:]
        /// Adjustments made to fit our schema, per kind.
        public var notes: [String: Int] = [:]

        public var skippedCount: Int { skipped.values.reduce(0) { $0 + $1.count } }
    }

    /// One (tenant, resource type) whose PHP `tenant_usage` totals differ from the imported raw events.
    public struct UsageDifference: Sendable, Equatable {
        public let phpTenantId: String
        public let tenantId: String
        public let resourceType: String
        public let phpEvents: Int64
        public let phpQuantity: Int64
        public let importedEvents: Int64
        public let importedQuantity: Int64
    }

    public let source: String
    public let dryRun: Bool
    public var tables: [Table]
    /// Tenants whose rollups were rebuilt from the raw events (would be, in a dry run), and rollup rows written.
    public var rollupTenants = 0
    public var rollupRows = 0
    /// The PHP `tenant_usage` cross-check: present at all, pairs compared, pairs equal, the differences.
    public var tenantUsagePresent = false
    public var tenantUsageCompared = 0
    public var tenantUsageEqual = 0
    public var tenantUsageDifferences: [UsageDifference] = []

    public func table(_ name: String) -> Table? { tables.first { $0.name == name } }

    public var insertedTotal: Int { tables.reduce(0) { $0 + $1.inserted } }
    public var skippedTotal: Int { tables.reduce(0) { $0 + $1.skippedCount } }

    public var json: JSON {
        var tablesJSON = JSONObject()
        for t in tables {
            var skipped = JSONObject()
            for (reason, s) in t.skipped.sorted(by: { $0.key < $1.key }) {
                skipped[reason] = ["count": .int(Int64(s.count)), "php_ids": .array(s.examples.map(JSON.string))]
            }
            var notes = JSONObject()
            for (note, n) in t.notes.sorted(by: { $0.key < $1.key }) { notes[note] = .int(Int64(n)) }
            tablesJSON[t.name] = ["present_in_source": .bool(t.present), "read": .int(Int64(t.read)),
                                  (dryRun ? "would_insert" : "inserted"): .int(Int64(t.inserted)),
                                  "already_present": .int(Int64(t.alreadyPresent)), "skipped": .int(Int64(t.skippedCount)),
                                  "skipped_reasons": .object(skipped), "adjustments": .object(notes)]
        }
        let differences: [JSON] = tenantUsageDifferences.map {
            ["php_tenant_id": .string($0.phpTenantId), "tenant_id": .string($0.tenantId), "resource_type": .string($0.resourceType),
             "php_event_count": .int($0.phpEvents), "php_total_quantity": .int($0.phpQuantity),
             "imported_event_count": .int($0.importedEvents), "imported_total_quantity": .int($0.importedQuantity)]
        }
        return ["source": .string(source), "dry_run": .bool(dryRun), "tables": .object(tablesJSON),
                "rollups": ["tenants": .int(Int64(rollupTenants)), "rows": .int(Int64(rollupRows))],
                "tenant_usage_check": ["present_in_source": .bool(tenantUsagePresent), "compared": .int(Int64(tenantUsageCompared)),
                                       "equal": .int(Int64(tenantUsageEqual)), "differences": .array(differences)]]
    }

    /// The report as an operator reads it.
    public var text: String {
        var out = "PHP import\(dryRun ? " (dry run: nothing written)" : "") from \(source)\n"
        let head = ["table", "read", dryRun ? "would-insert" : "inserted", "already-present", "skipped"]
        out += head[0].padding(toLength: 17, withPad: " ", startingAt: 0)
            + head[1...].map { String(repeating: " ", count: max(0, 16 - $0.count)) + $0 }.joined() + "\n"
        for t in tables {
            guard t.present else {
                out += t.name.padding(toLength: 17, withPad: " ", startingAt: 0) + "(no such table in the PHP database)\n"
                continue
            }
            out += t.name.padding(toLength: 17, withPad: " ", startingAt: 0)
                + [t.read, t.inserted, t.alreadyPresent, t.skippedCount].map { String(repeating: " ", count: max(0, 16 - String($0).count)) + String($0) }.joined() + "\n"
            for (reason, s) in t.skipped.sorted(by: { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }) {
                out += "    skipped \(s.count): \(reason) (PHP ids: \(s.examples.joined(separator: ", "))\(s.count > s.examples.count ? ", …" : ""))\n"
            }
            for (note, n) in t.notes.sorted(by: { $0.key < $1.key }) { out += "    adjusted \(n): \(note)\n" }
        }
        out += dryRun ? "rollups: would be rebuilt from the raw events for \(rollupTenants) tenant(s)\n"
            : "rollups: rebuilt from the raw events for \(rollupTenants) tenant(s), \(rollupRows) rollup rows\n"
        if tenantUsagePresent {
            out += "tenant_usage cross-check: PHP totals compared with the imported raw events for \(tenantUsageCompared) (tenant, resource) pair(s): "
                + "\(tenantUsageEqual) equal, \(tenantUsageDifferences.count) differ\n"
            for d in tenantUsageDifferences.prefix(20) {
                out += "    tenant \(d.phpTenantId) \(d.resourceType): PHP \(d.phpEvents) events / \(d.phpQuantity) units, imported \(d.importedEvents) / \(d.importedQuantity)\n"
            }
        } else {
            out += "tenant_usage cross-check: no tenant_usage table in the PHP database\n"
        }
        return out
    }
}

/// Imports the PHP application's SQLite database into ours (issue 9, "Migration from the PHP original").
///
/// Reads the PHP file read-only, maps each row of tenants, subscriptions, quotas, usage_logs, invoices,
/// payment_methods and notifications to our schema, and inserts it through `Database.write` in units of at
/// most `batchSize` rows with `INSERT … ON CONFLICT DO NOTHING`. Ids are kept through `PHPImportIds`, so a
/// second run finds every row already present and inserts nothing. Rows our schema cannot hold (unknown enum
/// values, orphans, negative quantities, card tokens without `PAYMENT_DATA_KEY`, …) are skipped and reported
/// with the reason. Rollups are rebuilt from the imported raw events (`UsageService.rebuildRollups`), and the
/// PHP `tenant_usage` table is only compared against them.
public struct PHPImporter: Sendable {
    /// PHP tables in dependency order (referenced tables first).
    public static let tables = ["tenants", "subscriptions", "quotas", "usage_logs", "invoices", "payment_methods", "notifications"]

    let database: Database
    let clock: any WallClock
    let settings: BillingSettings
    let options: PHPImportOptions

    public init(database: Database, clock: any WallClock, settings: BillingSettings, options: PHPImportOptions) {
        self.database = database
        self.clock = clock
        self.settings = settings
        self.options = options
    }

    /// Imports from the SQLite file at `sourcePath`. Throws only when a database cannot be used at all
    /// (missing file, I/O error); bad rows are reported, never thrown.
    public func run(sourcePath: String) throws -> PHPImportReport {
        guard FileManager.default.fileExists(atPath: sourcePath) else {
            throw BillingError.validation(field: "path", reason: "no such file: \(sourcePath)")
        }
        let source = try Database.openSQLiteFileReadOnly(path: sourcePath)
        let context = makeContext()
        let planned = options.dryRun ? PHPPlannedState() : nil
        var report = PHPImportReport(source: sourcePath, dryRun: options.dryRun, tables: [])
        var usage: [UsageKey: UsageTotals] = [:]
        var usageTenants = Set<String>()

        for name in Self.tables {
            var table = PHPImportReport.Table(name: name)
            guard try Self.hasTable(source, name) else {
                table.present = false
                report.tables.append(table)
                continue
            }
            let mapper = PHPRowMapper.mapper(for: name)
            let batchSize = max(1, min(options.batchSize, 1000))
            // Keyset paging on rowid; a WITHOUT ROWID table pages by its key instead.
            let hasRowid = (try? source.queryOne("SELECT rowid FROM \(name) LIMIT 1")) != nil
            var after: Int64 = Int64.min
            var offset = 0
            while true {
                let rows = hasRowid
                    ? try source.query("SELECT rowid AS php_import_rowid, * FROM \(name) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                       [.integer(after), .integer(Int64(batchSize))])
                    : try source.query("SELECT * FROM \(name) ORDER BY 1 LIMIT ? OFFSET ?", [.integer(Int64(batchSize)), .integer(Int64(offset))])
                guard let last = rows.last else { break }
                after = last.int("php_import_rowid") ?? Int64.max
                offset += rows.count
                let result: BatchResult
                if let planned {
                    result = try database.read { conn in
                        try Self.process(rows, table: name, mapper: mapper, target: PHPImportTarget(conn: conn, planned: planned), context: context, write: false)
                    }
                } else {
                    result = try database.write { conn in
                        try Self.process(rows, table: name, mapper: mapper, target: PHPImportTarget(conn: conn, planned: nil), context: context, write: true)
                    }
                }
                table.read += rows.count
                table.inserted += result.inserted
                table.alreadyPresent += result.alreadyPresent
                for (reason, s) in result.skipped {
                    var entry = table.skipped[reason] ?? PHPImportReport.Skip()
                    entry.count += s.count
                    entry.examples += s.examples.prefix(max(0, 5 - entry.examples.count))
                    table.skipped[reason] = entry
                }
                for (note, n) in result.notes { table.notes[note, default: 0] += n }
                for (key, t) in result.usage {
                    usage[key, default: UsageTotals()].eventCount += t.eventCount
                    usage[key, default: UsageTotals()].totalQuantity += t.totalQuantity
                }
                usageTenants.formUnion(result.usageTenantsInserted)
            }
            report.tables.append(table)
        }

        // Rollups come from our raw events, never from the PHP's tenant_usage.
        report.rollupTenants = usageTenants.count
        if !options.dryRun {
            let service = UsageService(database: database, clock: clock, settings: settings)
            for tenant in usageTenants.sorted() {
                report.rollupRows += try service.rebuildRollups(tenantId: tenant, dryRun: false, context: .system).rows
            }
        }
        try crossCheck(source, usage: usage, report: &report)

        if !options.dryRun {
            let now = clock.now()
            var changes = JSONObject()
            changes["source"] = .string((sourcePath as NSString).lastPathComponent)
            for t in report.tables where t.present {
                changes[t.name] = ["inserted": .int(Int64(t.inserted)), "already_present": .int(Int64(t.alreadyPresent)), "skipped": .int(Int64(t.skippedCount))]
            }
            let summary = changes
            try database.write { conn in
                try AuditLog.record(conn, .system, action: "import_php_db", tenantId: nil, targetId: nil, changes: summary, at: now)
            }
        }
        return report
    }

    func makeContext() -> PHPMapContext {
        var box: SecretBox?
        var problem = "PAYMENT_DATA_KEY is not configured"
        if let key = options.paymentDataKey, !key.isEmpty {
            box = try? SecretBox(base64Key: key)
            if box == nil { problem = "PAYMENT_DATA_KEY is not base64 of 32 bytes" }
        } else if SecretBox(keys: settings.dataKeys).canSeal {
            box = SecretBox(keys: settings.dataKeys)
        } else if let configured = settings.dataKeyProblem {
            problem = configured
        }
        return PHPMapContext(timeZone: options.sourceTimeZone, box: box, keyProblem: problem, defaultCurrency: options.defaultCurrency, now: clock.now())
    }

    static func hasTable(_ conn: Connection, _ name: String) throws -> Bool {
        try conn.queryOne("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]) != nil
    }

    struct UsageKey: Hashable, Sendable {
        let tenantId: String
        let resourceType: String
    }

    struct BatchResult: Sendable {
        var inserted = 0
        var alreadyPresent = 0
        var skipped: [String: PHPImportReport.Skip] = [:]
        var notes: [String: Int] = [:]
        /// usage_logs: totals of the events inserted or already present, per tenant and resource type.
        var usage: [UsageKey: UsageTotals] = [:]
        var usageTenantsInserted = Set<String>()

        mutating func skip(_ reason: String, phpId: SQLValue) {
            var s = skipped[reason] ?? PHPImportReport.Skip()
            s.count += 1
            if s.examples.count < 5 { s.examples.append(phpId.shown) }
            skipped[reason] = s
        }

        mutating func addUsage(tenant: String, type: String, quantity: Int64) {
            let key = UsageKey(tenantId: tenant, resourceType: type)
            usage[key, default: UsageTotals()].eventCount += 1
            usage[key, default: UsageTotals()].totalQuantity += quantity
        }
    }

    /// One unit: maps every row, checks it against the target, and (when `write`) inserts it.
    static func process(_ rows: [Row], table: String, mapper: PHPRowMapper.Mapper, target: PHPImportTarget, context: PHPMapContext,
                        write: Bool) throws -> BatchResult {
        var result = BatchResult()
        for row in rows {
            let phpId = row["id"]
            guard let id = PHPImportIds.map(phpId, table: table) else {
                result.skip("id '\(phpId.shown)' is not an integer id (0 ≤ id < 2^48) or a text id", phpId: phpId)
                continue
            }
            let existingColumns = table == "usage_logs" ? "tenant_id, resource_type, quantity" : "id"
            if let existing = try target.stored(table, id: id, columns: existingColumns) {
                result.alreadyPresent += 1
                if table == "usage_logs" {
                    result.addUsage(tenant: try existing.decode(String.self, "tenant_id"), type: try existing.decode(String.self, "resource_type"),
                                    quantity: try existing.decode(Int64.self, "quantity"))
                }
                continue
            }
            switch try mapper(row, id, target, context) {
            case .skip(let reason):
                result.skip(reason, phpId: phpId)
            case .insert(let insert):
                if write {
                    let placeholders = Array(repeating: "?", count: insert.columns.count).joined(separator: ", ")
                    let changed = try target.conn.run("INSERT INTO \(table) (\(insert.columns.joined(separator: ", "))) VALUES (\(placeholders)) ON CONFLICT DO NOTHING",
                                                      insert.values)
                    guard changed == 1 else {
                        result.skip("conflicts with an existing row", phpId: phpId)
                        continue
                    }
                    for statement in insert.after { try target.conn.run(statement.sql, statement.args) }
                }
                target.remember(table: table, id: id, insert)
                result.inserted += 1
                for note in insert.notes { result.notes[note, default: 0] += 1 }
                if let usage = insert.usage {
                    result.addUsage(tenant: insert.tenantId, type: usage.type, quantity: usage.quantity)
                    result.usageTenantsInserted.insert(insert.tenantId)
                }
            }
        }
        return result
    }

    /// Compares the PHP `tenant_usage` lifetime totals (its `total` rows, else the sum of its `monthly` rows) per
    /// tenant and resource type with the raw events imported (or already present).
    func crossCheck(_ source: Connection, usage: [UsageKey: UsageTotals], report: inout PHPImportReport) throws {
        guard try Self.hasTable(source, "tenant_usage") else { return }
        report.tenantUsagePresent = true
        var totals: [UsageKey: (php: String, t: UsageTotals)] = [:]
        var monthly: [UsageKey: (php: String, t: UsageTotals)] = [:]
        try source.forEachRow("SELECT * FROM tenant_usage") { r in
            guard let tenant = PHPImportIds.map(r["tenant_id"], table: "tenants"), let type = r.text("resource_type") else { return }
            let key = UsageKey(tenantId: tenant, resourceType: type)
            let t = UsageTotals(eventCount: r["event_count"].phpInt ?? 0, totalQuantity: r["total_quantity"].phpInt ?? 0)
            switch r.text("period_type") {
            case "total", "lifetime":
                var e = totals[key] ?? (php: r["tenant_id"].shown, t: UsageTotals())
                e.t.eventCount += t.eventCount
                e.t.totalQuantity += t.totalQuantity
                totals[key] = e
            case "monthly":
                var e = monthly[key] ?? (php: r["tenant_id"].shown, t: UsageTotals())
                e.t.eventCount += t.eventCount
                e.t.totalQuantity += t.totalQuantity
                monthly[key] = e
            default: break
            }
        }
        for (key, value) in monthly where totals[key] == nil { totals[key] = value }
        for (key, php) in totals.sorted(by: { ($0.key.tenantId, $0.key.resourceType) < ($1.key.tenantId, $1.key.resourceType) }) {
            report.tenantUsageCompared += 1
            let ours = usage[key] ?? UsageTotals()
            if ours == php.t {
                report.tenantUsageEqual += 1
            } else {
                report.tenantUsageDifferences.append(.init(phpTenantId: php.php, tenantId: key.tenantId, resourceType: key.resourceType,
                                                           phpEvents: php.t.eventCount, phpQuantity: php.t.totalQuantity,
                                                           importedEvents: ours.eventCount, importedQuantity: ours.totalQuantity))
            }
        }
    }
}
