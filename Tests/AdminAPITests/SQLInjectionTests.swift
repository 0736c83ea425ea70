import Foundation
import Storage
import Support
import Testing

/// SQL-injection strings in every string field of every action example (`ActionExamples`), free-form
/// JSON members included: never a 5xx, a refusal writes nothing, an accepted value comes back exactly
/// as sent, a filter finds exactly what a harmless non-matching text finds and never another tenant's
/// rows, and afterwards every table is still there and `PRAGMA integrity_check` is ok.
@Suite struct SQLInjectionTests {
    static let injections = [
        "' OR 1=1 --", "'); DROP TABLE usage_logs; --", "\" OR \"\"=\"", "1; SELECT sqlite_version()", "%' --",
        "x' UNION SELECT key_hash FROM api_keys --",
    ]
    /// A filter value nothing stored contains: what an inert injection must find too.
    static let harmless = "no-such-value-5d1c"

    @Test func injectionStrings_InEveryStringField_AreInert() throws {
        let fixture = try MatrixFixture()
        let judge = try MatrixJudge(fixture.server)
        let database = fixture.server.app.services.database
        let tables = try Self.tableNames(database)
        let otherTenantIds = try Self.ids(ofTenant: fixture.otherTenant, database)
        #expect(otherTenantIds.count > 8)
        let table = fixture.server.app.table
        // Reads first: a value stored by an accepted write must not be found by a later filter.
        let examples = ActionExamples.all(fixture).sorted { a, b in
            (table.actions[a.action]?.methods.contains(.POST) ?? false ? 1 : 0) < (table.actions[b.action]?.methods.contains(.POST) ?? false ? 1 : 0)
        }
        var checked = 0, echoesCompared = 0, filtersCompared = 0
        for example in examples {
            guard let action = table.actions[example.action] else { continue }
            let isPost = action.methods.contains(.POST)
            var params = try example.makeParams()
            try judge.resync()
            let stringFields = JSON.fields(of: params, opaque: ActionExamples.freeFormObjects, intoOpaque: true).filter { $0.value.stringValue != nil }
            for (path, _) in stringFields {
                func request(_ text: String) -> MatrixRequest {
                    let spoiled = JSON.object(params).replacing(path, with: .string(text)).objectValue ?? params
                    return example.request(spoiled, fixture: fixture, isPost: isPost)
                }
                let baseline = isPost ? nil : Self.rowCount(try judge.check("\(example.action) \(path) = harmless", request(Self.harmless),
                                                                               field: path, mustRefuse: false))
                for injection in Self.injections {
                    checked += 1
                    let label = "\(example.action) \(path) = \(injection)"
                    let r = try judge.check(label, request(injection), field: path, mustRefuse: false)
                    guard (200...299).contains(r.status) else { continue }
                    if isPost {
                        if let echoed = r.data.value(at: path)?.stringValue {
                            echoesCompared += 1
                            if echoed != injection { judge.fail("\(label): stored as \(echoed)") }
                        }
                        if example.usesUpTarget {
                            params = try example.makeParams()
                            try judge.resync()
                        }
                    } else {
                        if let baseline, let count = Self.rowCount(r) {
                            filtersCompared += 1
                            if count != baseline { judge.fail("\(label): \(count) rows, a harmless filter finds \(baseline)") }
                        }
                        if params["tenant_id"] == .string(fixture.tenant), let leaked = otherTenantIds.first(where: { r.text.contains($0) }) {
                            judge.fail("\(label): answer holds \(leaked) of the other tenant")
                        }
                    }
                }
            }
            if try Self.tableNames(database) != tables { judge.fail("\(example.action): the set of tables changed") }
            // SQLite checks its file; PostgreSQL has no such check (the table set above is what an injection would change).
            let integrity = database.dialect == .postgres ? "ok" : try database.read { try $0.scalar("PRAGMA integrity_check").stringValue }
            if integrity != "ok" { judge.fail("\(example.action): integrity_check says \(integrity ?? "nothing")") }
        }
        #expect(checked > 600)
        #expect(echoesCompared > 100, "accepted values read back")
        #expect(filtersCompared >= 48, "text filters compared with a harmless one")
        #expect(fixture.unexpectedErrorLogLines.isEmpty, "\(fixture.unexpectedErrorLogLines.prefix(10))")
        #expect(judge.failures.isEmpty, "\(judge.failures.count) of \(judge.requestCount) failed:\n\(judge.failures.prefix(60).joined(separator: "\n"))")
    }

    static func tableNames(_ database: Database) throws -> [String] {
        try database.read { try $0.tableNames() }
    }

    /// The tenant's id and the ids of every row it owns, in every table with a `tenant_id` column.
    static func ids(ofTenant tenant: String, _ database: Database) throws -> Set<String> {
        try database.read { conn in
            var ids: Set<String> = [tenant]
            for table in try tableNames(database) {
                let columnsSQL = conn.dialect == .postgres
                    ? "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?"
                    : "SELECT name FROM pragma_table_info(?)"
                let columns = try conn.query(columnsSQL, [.text(table)]).compactMap { $0.string("name") }
                guard columns.contains("tenant_id"), columns.contains("id") else { continue }
                let quoted = DatabaseSnapshotter.quoteIdentifier(table)
                for row in try conn.query("SELECT id FROM \(quoted) WHERE tenant_id = ?", [.text(tenant)]) {
                    if let id = row.string("id") { ids.insert(id) }
                }
            }
            return ids
        }
    }

    /// How many rows a read answered: `items`, a bare array, a `data` series, or CSV lines.
    static func rowCount(_ r: TestResponse) -> Int? {
        guard (200...299).contains(r.status) else { return nil }
        if r.header("Content-Type")?.hasPrefix("text/csv") == true { return r.text.split(separator: "\r\n").count }
        let data = r.data
        return data["items"]?.arrayValue?.count ?? data.arrayValue?.count ?? data["data"]?.arrayValue?.count
    }
}
