import Foundation
import Storage
import Support
import Synchronization
import Testing

/// Issue 14, item 2, over the socket: a stored row its decoder cannot read is a server fault — 500
/// `internal_error`, never a made-up value — and the error log line names the column, never the stored value.
struct CorruptRowAPITests {
    @Test func corruptInvoiceRow_Answers500_AndLogsTheColumn() throws {
        let lines = Mutex<[String]>([])
        let server = try TestServer(logger: SuiteLog.logger(level: .error) { line in lines.withLock { $0.append(line) } })
        let tenant = try server.makeTenant("Corrupt Co")
        let key = try server.makeKey(role: "admin", tenant: tenant)
        let created = try server.asOperator("create_invoice", tenantOf: key, body: ["due_date": "2026-12-31", "amount_cents": 4990])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.data["id"]?.stringValue)

        // SQLite's flexible typing stores text in the INTEGER column (and 'x…' > 0 passes the CHECK): once read as 0 cents.
        // PostgreSQL's typed columns refuse that, so there a stored time that is no time stands in (once read as 1970).
        let value = "corrupt-\(SecureRandom.hex(6))"
        let postgres = server.app.services.database.dialect == .postgres
        let column = postgres ? "issued_at" : "amount_cents"
        let expected = postgres ? "column issued_at holds text that is not a stored time" : "column amount_cents holds text (expected Int64)"
        try server.app.services.database.write { _ = try $0.run("UPDATE invoices SET \(column) = ? WHERE id = ?", [.text(value), .text(id)]) }

        for r in [try server.call("get_invoice", key: key, query: ["id": id]), try server.call("list_invoices", key: key)] {
            #expect(r.status == 500, "\(r.text)")
            #expect(r.errorCode == "internal_error")
            #expect(r.data == .null && !r.text.contains(column) && !r.text.contains(value))
        }
        let logged = lines.withLock { $0.filter { $0.contains("corrupt stored row") } }
        #expect(logged.count == 2, "\(lines.withLock { $0 })")
        for line in logged {
            #expect(line.contains(expected), "\(line)")
            #expect(line.contains("get_invoice") || line.contains("list_invoices"))
            #expect(!line.contains(value))
        }
        // The intact rows of other tenants still read.
        let other = try server.makeTenant("Intact Co")
        #expect(try server.call("list_invoices", key: server.superKey, query: ["tenant_id": other]).status == 200)
    }
}
