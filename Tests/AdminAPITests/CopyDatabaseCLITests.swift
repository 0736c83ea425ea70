import BackendTestSupport
import Billing
import Foundation
import Storage
import Support
import Testing

/// `billing-server copy-database --to postgres://…` through the executable (issue 14, "Moving over"): a SQLite
/// database built by a real server, with rows in every table, copied into a fresh PostgreSQL database; the
/// copy is compared row by row and served; a second run and bad URLs are refused.
// The source is always a SQLite file built by a server on SQLite: this suite runs in the SQLite pass of `make test`
// (which has the cluster as target) and is skipped in the PostgreSQL pass.
@Suite(.serialized, .enabled(if: !TestBackendEnvironment.usesPostgres, "copies a SQLite source; its servers must be on SQLite"))
struct CopyDatabaseCLITests {
    let cli = try! CLITests()
    static let adminURL = ProcessInfo.processInfo.environment["BILLING_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let password = "copy-pw-0f3a9c"

    @Test func missingOrMalformedTo_ExitsWith2_NamingTo_WithoutThePassword() throws {
        #expect(try cli.run(["migrate"]).status == 0)
        for arguments in [["copy-database"], ["copy-database", "--to"], ["copy-database", "--to", "mysql://u:\(Self.password)@db/billing"],
                          ["copy-database", "--to=postgres://u:\(Self.password)@db:99999/billing"], ["copy-database", "postgres://db/billing"]] {
            let r = try cli.run(arguments)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains("--to"), "\(r.stderr)")
            #expect(!r.stderr.contains(Self.password) && !r.stdout.contains(Self.password))
        }
    }

    @Test func unreachableTarget_ExitsWith1_NamingTheServer_WithoutThePassword() throws {
        #expect(try cli.run(["migrate"]).status == 0)
        let r = try cli.run(["copy-database", "--to", "postgres://billing:\(Self.password)@127.0.0.1:1/billing"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("--to") && r.stderr.contains("127.0.0.1:1/billing"), "\(r.stderr)")
        #expect(!r.stderr.contains(Self.password) && !r.stdout.contains(Self.password))
        #expect(r.stdout.contains("postgres://billing:***@127.0.0.1:1/billing"))
    }

    @Test func noSQLiteDatabase_ExitsWith1_NamingThePath() throws {
        let r = try cli.run(["copy-database", "--to", "postgres://billing@127.0.0.1:1/billing"])
        #expect(r.status == 1 && r.stderr.contains("no SQLite database at") && r.stderr.contains("DATABASE_PATH"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("db.sqlite").path), "none created")
    }

    @Test(.enabled(if: adminURL != nil, "BILLING_TEST_DATABASE_URL is not set: the copy into PostgreSQL is skipped"))
    func copy_EveryTableFamily_RowForRow_ThenServesIt_AndRefusesASecondRun() throws {
        let paymentKey = SecretBox.makeKey()
        let webhookToken = "copy-webhook-token-0123456789abcdef"
        let source = try TestServer(configure: { s in
            s.runsBackgroundTasks = false
            s.billing.paymentDataKey = paymentKey
            s.billing.notifications.webhookAllowPrivate = true
            s.asaas.webhookToken = webhookToken
        })
        let fixture = try Self.fill(source, webhookToken: webhookToken)
        let sourceDB = source.app.services.database
        let tables = try sourceDB.read { try $0.tableNames().filter { $0 != "schema_migrations" } }
        #expect(tables.count == 23, "\(tables)")
        let sourceCounts = try Dictionary(uniqueKeysWithValues: tables.map { t in (t, try sourceDB.read { try $0.scalar("SELECT count(*) FROM \(t)").int64Value ?? -1 }) })
        #expect(sourceCounts.filter { $0.value == 0 }.isEmpty, "every table has rows: \(sourceCounts)")

        let (name, url) = try Self.createDatabase()
        defer { Self.dropDatabase(name) }
        // The source server keeps running: the copy reads one snapshot.
        let r = try cli.run(["copy-database", "--to", url], env: ["DATABASE_PATH": source.directory.appendingPathComponent("billing.sqlite").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains(Self.password) && !r.stderr.contains(Self.password))
        #expect(r.stdout.contains("into postgres://billing:***@"), "\(r.stdout)")
        #expect(r.stdout.contains("applied 010_cross_instance_state"))
        #expect(r.stdout.contains("sequence of invoice_number_counters.year continues after"))
        #expect(r.stdout.contains("copied \(sourceCounts.values.reduce(0, +)) rows in \(tables.count) tables; every table's row count matches"), "\(r.stdout)")
        // The summary: one line per table with both counts.
        for (table, count) in sourceCounts {
            let line = r.stdout.split(separator: "\n").first { $0.split(separator: " ").first.map(String.init) == table }
            #expect(line?.split(separator: " ").map(String.init) == [table, String(count), String(count)], "\(table): \(line ?? "missing")")
        }

        // Row for row, column by column, every table (ids, amounts, timestamps as text).
        let target = try Database(postgresURL: url)
        let before = try Self.contents(of: target, tables: tables)
        #expect(before == (try Self.contents(of: sourceDB, tables: tables)))
        #expect(Set(before.keys) == Set(tables))
        target.close()

        // A second run: refused, naming a table, nothing changed.
        let again = try cli.run(["copy-database", "--to", url], env: ["DATABASE_PATH": source.directory.appendingPathComponent("billing.sqlite").path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("the target database is not empty: table ") && again.stderr.contains(" has rows"), "\(again.stderr)")
        let afterTarget = try Database(postgresURL: url)
        #expect(try Self.contents(of: afterTarget, tables: tables) == before)
        afterTarget.close()

        // A server on the copy answers for the copied invoice with the copied key and numbers on after it.
        let copy = try TestServer(configure: { s in
            s.databaseURL = url
            s.runsBackgroundTasks = false
            s.billing.paymentDataKey = paymentKey
        })
        let got = try copy.call("get_invoice", key: fixture.adminKey, query: ["id": fixture.invoiceId])
        #expect(got.status == 200, "\(got.text)")
        #expect(got.data["invoice_number"]?.stringValue == fixture.lastInvoiceNumber && got.data["amount_cents"]?.intValue == 4990)
        let next = try copy.asOperator("create_invoice", tenantOf: fixture.adminKey, body: ["due_date": "2031-01-31", "amount_cents": 100])
        #expect(next.status == 201, "\(next.text)")
        let number = try #require(next.data["invoice_number"]?.stringValue)
        let last = try #require(Int(fixture.lastInvoiceNumber.suffix(6)))
        #expect(number == String(fixture.lastInvoiceNumber.dropLast(6)) + String(format: "%06d", last + 1), "\(number) after \(fixture.lastInvoiceNumber)")
        #expect(try copy.call("list_payment_methods", key: fixture.adminKey).status == 200)
    }

    struct Fixture {
        let adminKey: String
        let invoiceId: String
        let lastInvoiceNumber: String
    }

    /// One or more rows in every table, through the API (and the operator alert the way the server raises one).
    static func fill(_ server: TestServer, webhookToken: String) throws -> Fixture {
        func ok(_ action: String, _ body: JSONObject, key: String? = nil) throws -> JSON {
            let r = try server.call(action, key: key ?? server.superKey, body: .object(body))
            guard (200...299).contains(r.status) else { throw TestClientError.io("\(action) → \(r.status) \(r.text.prefix(300))") }
            return r.data
        }
        let tenant = try server.makeTenant("Copy Co")
        let other = try server.makeTenant("Other Co")
        let adminKey = try server.makeKey(role: "admin", tenant: tenant)
        let id = JSON.string(tenant)
        _ = try ok("update_tenant", ["id": id, "billing_email": "billing@copy.test"])
        _ = try ok("create_user", ["tenant_id": id, "email": "ana@copy.test", "password": "correct horse battery", "role": "admin", "name": "Ana Ünicode"])
        _ = try server.call("login", key: nil, body: ["email": "ana@copy.test", "password": "wrong password!!"])
        let login = try server.call("login", key: nil, body: ["email": "ana@copy.test", "password": "correct horse battery"])
        guard login.status == 200 else { throw TestClientError.io("login \(login.status)") }
        // A failure that stays recorded (the success above cleared its own pair's): a row in login_failures.
        _ = try server.call("login", key: nil, body: ["email": "someone-else@copy.test", "password": "wrong password!!"])
        _ = try ok("upsert_plan", ["plan": "starter", "name": "Starter (copied)", "price_cents": 5900])
        for t in [tenant, other] {
            let tid = JSON.string(t)
            _ = try ok("set_quota", ["tenant_id": tid, "resource_type": "message", "period": "daily", "limit_value": 1_000_000])
            for n in 0..<3 { _ = try ok("log_usage", ["tenant_id": tid, "resource_type": "message", "quantity": .int(Int64(n + 1)), "idempotency_key": .string("k-\(n)")]) }
            _ = try ok("create_subscription", ["tenant_id": tid, "plan": "starter", "billing_cycle": "monthly"])
            _ = try ok("create_notification", ["tenant_id": tid, "type": "invoice_due", "subject": "Due", "message": "An invoice is due"])
        }
        // A plan change after the period was billed leaves proration lines.
        _ = try ok("run_job", ["job": "generate_invoices"])
        _ = try ok("update_subscription", ["tenant_id": id, "plan": "professional"])
        var invoiceId = "", lastNumber = ""
        for cents in [1500, 2500, 4990] {
            let invoice = try ok("create_invoice", ["tenant_id": id, "due_date": "2030-12-31", "amount_cents": .int(Int64(cents))])
            invoiceId = invoice["id"]?.stringValue ?? ""
            lastNumber = invoice["invoice_number"]?.stringValue ?? ""
        }
        _ = try ok("add_payment_method", ["tenant_id": id, "type": "boleto", "label": "Boleto"])
        let endpoint = try ok("create_webhook_endpoint", ["tenant_id": id, "url": "http://127.0.0.1:9/copy-hook", "event_types": ["*"]])
        _ = try server.call("test_webhook_endpoint", key: server.superKey, body: ["tenant_id": id, "id": endpoint["id"] ?? .null])
        _ = try ok("run_job", ["job": "mark_overdue"])
        let event: JSON = [
            "id": "evt_copy_0001", "event": "PAYMENT_RECEIVED", "dateCreated": "2026-07-14 10:00:00",
            "payment": ["object": "payment", "id": "pay_copy000000001", "customer": "cus_000000000001", "value": 49.9,
                        "billingType": "PIX", "status": "RECEIVED", "externalReference": .string(invoiceId), "deleted": false],
        ]
        let delivered = try server.client.request("POST", "/webhooks/asaas", headers: [("asaas-access-token", webhookToken), ("Content-Type", "application/json")],
                                                  body: event.serialized())
        guard delivered.status == 200 else { throw TestClientError.io("webhook \(delivered.status) \(delivered.text)") }
        let alertInvoice = invoiceId
        try server.app.services.database.write { conn in
            _ = try OperatorAlertStore.raise(conn, kind: .gatewayEventHeld, subject: "Copy alert", message: "A held event",
                                             tenantId: tenant, invoiceId: alertInvoice, metadata: nil, dedupeKey: "copy-alert-1", at: Date())
        }
        return Fixture(adminKey: adminKey, invoiceId: invoiceId, lastInvoiceNumber: lastNumber)
    }

    /// Every row of `tables`, each as its columns' values in `pragma_table_info` order, sorted: two databases with
    /// the same contents compare equal whatever their storage order.
    static func contents(of db: Database, tables: [String]) throws -> [String: [[SQLValue]]] {
        let columns = try tableColumns(tables)
        return try db.read { conn in
            var result: [String: [[SQLValue]]] = [:]
            for table in tables {
                let list = columns[table]!.map { "\"\($0)\"" }.joined(separator: ", ")
                let rows = try conn.query(SQL("SELECT \(raw: list) FROM \(raw: table)")).map(\.values)
                result[table] = rows.sorted { $0.map(\.description).joined(separator: "\u{1}") < $1.map(\.description).joined(separator: "\u{1}") }
            }
            return result
        }
    }

    /// Column names per table, read from a freshly migrated SQLite file.
    static func tableColumns(_ tables: [String]) throws -> [String: [String]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copy-columns-\(UUIDv7.random())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Database(path: dir.appendingPathComponent("c.sqlite").path)
        defer { db.close() }
        try db.migrate(directory: TestServer.repositoryRoot.appendingPathComponent("migrations").path)
        return try db.read { conn in
            var result: [String: [String]] = [:]
            for t in tables { result[t] = try conn.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", [.text(t)]).compactMap { $0.string("name") } }
            return result
        }
    }

    /// A uniquely named database in the test cluster, UTF8 with C collation; its URL carries a password the
    /// (trust-authenticated) cluster ignores, so the test can see that it is never printed.
    static func createDatabase() throws -> (name: String, url: String) {
        let admin = try #require(adminURL)
        let name = "billing_copy_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let conn = try PostgresConnection(url: admin)  // closed when released
        try conn.execute("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        var url = try #require(URLComponents(string: admin))
        url.path = "/" + name
        url.password = password
        return (name, url.string!)
    }

    static func dropDatabase(_ name: String) {
        guard let admin = adminURL, let conn = try? PostgresConnection(url: admin) else { return }
        try? conn.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}
