import AdminAPI
import Foundation
import Storage
import Support
import Testing

/// The bad-input matrix, generated from the action table and one valid example per action
/// (`ActionExamples`): every field of every example missing, null, of the wrong type, out of range,
/// no enum value, with NUL, 64 KB or 1 MB long, with invalid UTF-8; wrong methods, non-object and oversized
/// bodies. Never a 5xx, a validation error names the field, and a refused request changes no row
/// of any table (`DatabaseSnapshot`).
@Suite struct BadInputMatrixTests {
    @Test func databaseSnapshot_ChangesWithAnyRow_IncludingBackgroundBookkeeping() throws {
        let fixture = try MatrixFixture()
        let services = fixture.server.app.services
        let snapshotter = DatabaseSnapshotter(services.database)
        let before = try snapshotter.take()
        #expect(try snapshotter.take() == before)
        let other = fixture.otherTenant
        try services.database.write { try $0.run("UPDATE tenants SET name = name || '.' WHERE id = ?", [.text(other)]) }
        let renamed = try snapshotter.take()
        #expect(renamed.changedTables(since: before) == ["tenants"])
        // Keys used by the fixture wait in memory for the maintenance loop, which the fixture does not run.
        try services.apiKeys.flushLastUsed()
        #expect(try snapshotter.take().changedTables(since: renamed) == ["api_keys"])
    }

    @Test func everyAction_HasAnExample_ThatSucceeds() throws {
        let fixture = try MatrixFixture()
        let examples = ActionExamples.all(fixture)
        let table = fixture.server.app.table
        #expect(Set(examples.map(\.action)).count == examples.count, "an action has two examples")
        #expect(Set(examples.map(\.action)) == Set(table.names), "actions without an example: \(Set(table.names).subtracting(examples.map(\.action)).sorted()); examples of no action: \(Set(examples.map(\.action)).subtracting(table.names).sorted())")
        for example in examples {
            guard let action = table.actions[example.action] else { continue }
            let r = try example.request(try example.makeParams(), fixture: fixture, isPost: action.methods.contains(.POST)).send(fixture.server.client)
            #expect(example.succeeded(r), "\(example.action) example → \(r.status) \(r.text.prefix(300))")
        }
    }

    /// As super-admin every action is reached; as the tenant's admin, the actions a tenant may call
    /// (their tenant resolved from the key, `tenant_id` naming its own tenant).
    @Test(arguments: [false, true])
    func everyField_IsRefusedByName_WhenSpoiled_AndRefusalsWriteNothing(asTenantAdmin: Bool) throws {
        let fixture = try MatrixFixture()
        let judge = try MatrixJudge(fixture.server)
        var mutationCount = 0
        for example in ActionExamples.all(fixture) {
            guard let action = fixture.server.app.table.actions[example.action] else { continue }
            if asTenantAdmin, !example.authenticated || !action.permission.allows(.admin) { continue }
            let isPost = action.methods.contains(.POST)
            var params = try example.makeParams()
            try judge.resync()
            let key = !example.authenticated ? nil : asTenantAdmin ? fixture.adminKey : fixture.server.superKey
            for mutation in BadInputMutations.all(for: example, params: params, isPost: isPost, key: key) {
                mutationCount += 1
                let r = try judge.check(mutation.label, mutation.build(params), field: mutation.field,
                                        orNamed: example.reportedAs[mutation.field.description], mustRefuse: mutation.mustRefuse)
                if example.usesUpTarget, (200...299).contains(r.status) {
                    params = try example.makeParams()
                    try judge.resync()
                }
            }
        }
        #expect(mutationCount > (asTenantAdmin ? 1000 : 1500))
        #expect(fixture.unexpectedErrorLogLines.isEmpty, "\(fixture.unexpectedErrorLogLines.prefix(10))")
        #expect(judge.failures.isEmpty, "\(judge.failures.count) of \(judge.requestCount) failed:\n\(judge.failures.prefix(60).joined(separator: "\n"))")
    }

    @Test func everyAction_RefusesWrongMethods_NonObjectBodies_AndOversizedRequests() throws {
        let fixture = try MatrixFixture()
        let judge = try MatrixJudge(fixture.server)
        let superKey = fixture.server.superKey
        for example in ActionExamples.all(fixture) {
            guard let action = fixture.server.app.table.actions[example.action] else { continue }
            let name = example.action
            let params = try example.makeParams()
            try judge.resync()
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] where !action.methods.map(\.rawValue).contains(method) {
                let r = try judge.check("\(name) as \(method)", MatrixRequest(method: method, action: name, key: superKey), field: nil, mustRefuse: true)
                if r.status != 405 || r.header("Allow") == nil { judge.fail("\(name) \(method) → \(r.status) without 405 + Allow") }
            }
            let method = action.methods.contains(.POST) ? "POST" : "GET"
            for raw in ["[]", "[{}]", "\"text\"", "42", "-1", "true", "null", "{\"a\":", "{}x", "{\"a\":1,\"a\":2}", "1e400"] {
                let request = MatrixRequest(method: method, action: name, key: superKey, body: Array(raw.utf8))
                let r = try judge.check("\(name) body \(raw)", request, field: nil, mustRefuse: true)
                if r.status != 400 || r.errorCode != "invalid_json" { judge.fail("\(name) body \(raw) → \(r.status) \(r.errorCode ?? "")") }
            }
            let padded = params.merging(["padding": MatrixRequest.rawSlot])
            let tooLarge = MatrixRequest.json(method, name, key: superKey, padded, raw: BadInputMutations.longString(1 << 20))
            let r = try judge.check("\(name) body over 1 MiB", tooLarge, field: nil, mustRefuse: true)
            if r.status != 413 { judge.fail("\(name) body over 1 MiB → \(r.status)") }
            // A megabyte in the first string parameter still fits the body limit: the action itself must refuse it.
            if method == "POST", let field = params.first(where: { $0.value.stringValue != nil && !["id", "tenant_id"].contains($0.key) })?.key {
                let megabyte = MatrixRequest.json(method, name, key: superKey, params.merging([field: MatrixRequest.rawSlot]),
                                                  raw: BadInputMutations.longString(1_000_000))
                try judge.check("\(name) \(field) 1 MB", megabyte, field: FieldPath(field), mustRefuse: true)
            }
            if method == "GET" {
                let longQuery = MatrixRequest.query(name, key: superKey, params.merging(["padding": .string(String(repeating: "x", count: 1_000_000))]))
                let r = try judge.check("\(name) 1 MB query", longQuery, field: nil, mustRefuse: true)
                if r.status != 414 { judge.fail("\(name) 1 MB query → \(r.status)") }
            }
        }
        #expect(fixture.unexpectedErrorLogLines.isEmpty, "\(fixture.unexpectedErrorLogLines.prefix(10))")
        #expect(judge.failures.isEmpty, "\(judge.failures.count) of \(judge.requestCount) failed:\n\(judge.failures.prefix(60).joined(separator: "\n"))")
    }
}

extension ActionExample {
    /// The example's call: a JSON body for POST actions, a query string for GET actions.
    func request(_ params: JSONObject, fixture: MatrixFixture, isPost: Bool) -> MatrixRequest {
        let key = authenticated ? fixture.server.superKey : nil
        return isPost ? MatrixRequest.json("POST", action, key: key, params) : MatrixRequest.query(action, key: key, params)
    }
}

extension JSONObject {
    func merging(_ other: JSONObject) -> JSONObject {
        var out = self
        for (k, v) in other { out[k] = v }
        return out
    }
}
