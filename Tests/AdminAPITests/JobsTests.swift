import Foundation
import Support
import Testing

/// `run_job`, `list_job_runs` and `billing-server jobs run`.
struct JobsTests {
    let clock = ManualClock(RFC3339.parse("2026-01-31T00:00:00Z")!)
    let server: TestServer
    init() throws { server = try TestServer(clock: clock) }

    /// PHP defect: the invoice cron never ran (missing function) and used a notification type the schema forbids.
    @Test func runJob_GeneratesInvoices_Once_WithAllowedNotifications() throws {
        let t = try server.makeTenant("Jobs")
        let admin = try server.makeKey(role: "admin", tenant: t)
        _ = try server.asOperator("create_subscription", tenantOf: admin, body: ["plan": "starter", "billing_cycle": "monthly"])
        #expect(try server.call("run_job", key: admin, body: ["job": "generate_invoices"]).status == 403)
        #expect(try server.call("run_job", key: server.superKey, body: ["job": "make_coffee"]).status == 400)
        #expect(try server.call("run_job", key: server.superKey, body: ["job": "generate_invoices", "now": "soon"]).status == 400)
        let dry = try server.call("run_job", key: server.superKey, body: ["job": "generate_invoices", "now": "2026-03-01T00:00:00Z", "dry_run": true])
        #expect(dry.data["counts"]?["invoices_to_create"] == 1)
        #expect(try server.call("list_invoices", key: admin).data["total"] == 1)
        for _ in 0..<2 {
            let r = try server.call("run_job", key: server.superKey, body: ["job": "generate_invoices", "now": "2026-03-01T00:00:00Z"])
            #expect(r.status == 200 && r.data["outcome"] == "ok", "\(r.text)")
        }
        let invoices = try server.call("list_invoices", key: admin).data
        #expect(invoices["total"] == 2)
        let numbers = invoices["items"]?.arrayValue?.compactMap { $0["invoice_number"]?.stringValue }.sorted()
        #expect(numbers == ["INV-2026-000001", "INV-2026-000002"])
        let notes = try server.call("list_notifications", key: admin)
        if notes.status == 200 { #expect(notes.text.contains("invoice_created")) }
        let runs = try server.call("list_job_runs", key: server.superKey, query: ["job": "generate_invoices"])
        #expect(runs.data["items"]?.arrayValue?.count == 3)
        #expect(runs.data["total"] == 3)
        let retry = try server.call("run_job", key: server.superKey, body: ["job": "retry_payments"])
        #expect(retry.data["outcome"] == "skipped" && retry.data["message"]?.stringValue?.contains("gateway not configured") == true)
    }

    @Test func cli_JobsRun_RecordsTheRun() throws {
        let cli = try CLITests()
        let bad = try cli.run(["jobs", "run", "nope"])
        #expect(bad.status == 2)
        let ok = try cli.run(["jobs", "run", "mark_overdue", "--now", "2026-03-01T00:00:00Z", "--dry-run"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("\"job\":\"mark_overdue\"") && ok.stdout.contains("\"dry_run\":true"))
        let gen = try cli.run(["jobs", "run", "generate_invoices", "--now", "2026-03-01T00:00:00Z"])
        #expect(gen.status == 0 && gen.stdout.contains("\"outcome\":\"ok\""), "\(gen.stdout) \(gen.stderr)")
    }
}
