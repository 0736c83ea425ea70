import AdminAPI
import Foundation
import Support
import Testing

/// Issue 15 item 6: docs/ADMIN_API.md and the generated OpenAPI document agree on every action — its methods,
/// permission, parameters (names and which are required) and the statuses the prose promises.
@Suite struct AdminAPIDocConformanceTests {
    let document: JSON
    let doc: AdminAPIDoc
    let table: ActionTable

    init() throws {
        let server = try TestServer()
        table = server.app.table
        document = OpenAPIDocument.make(table, version: "test")
        doc = AdminAPIDoc(markdown: try String(contentsOf: TestServer.repositoryRoot.appendingPathComponent("docs/ADMIN_API.md"), encoding: .utf8))
    }

    /// The operation's parameters: name → required (query parameters, or the body's members), without
    /// `tenant_id` (documented once for all actions) and deprecated aliases (documented in CHANGELOG.md).
    func declared(_ name: String) -> [String: Bool] {
        var out: [String: Bool] = [:]
        guard let item = document["paths"]?["/admin-api/\(name)"]?.objectValue else { return out }
        for (_, op) in item {
            for p in op["parameters"]?.arrayValue ?? [] where p["schema"]?["deprecated"] != true {
                if let n = p["name"]?.stringValue { out[n] = p["required"]?.boolValue ?? false }
            }
            let schema = op["requestBody"]?["content"]?["application/json"]?["schema"]
            let required = Set((schema?["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (n, s) in schema?["properties"]?.objectValue ?? [:] where s["deprecated"] != true { out[n] = required.contains(n) }
        }
        out["tenant_id"] = nil
        return out
    }

    func documentedStatuses(_ name: String) -> Set<Int> {
        var out = Set<Int>()
        for (_, op) in document["paths"]?["/admin-api/\(name)"]?.objectValue ?? [:] {
            for (code, _) in op["responses"]?.objectValue ?? [:] { if let n = Int(code) { out.insert(n) } }
        }
        return out
    }

    @Test func everyAction_HasASection_WithItsMethodsAndPermission() {
        for name in table.names {
            guard let action = table.actions[name] else { continue }
            guard let section = doc.sections[name] else {
                Issue.record("docs/ADMIN_API.md has no section for \(name)")
                continue
            }
            #expect(Set(section.methods) == Set(action.methods.map(\.rawValue)), "\(name): the docs say \(section.methods), the table \(action.methods)")
            #expect(section.permission == action.permission.rawValue, "\(name): the docs say \(section.permission ?? "no permission"), the table \(action.permission.rawValue)")
        }
    }

    @Test func everySection_ListsTheDeclaredParameters() {
        for name in table.names {
            guard let section = doc.sections[name] else { continue }
            var stated = section.parameters
            if let other = section.inheritsFrom, let inherited = doc.sections[other] {
                for (k, v) in inherited.parameters { stated[k] = v }
            }
            stated["tenant_id"] = nil
            let declared = declared(name)
            #expect(Set(stated.keys) == Set(declared.keys),
                    "\(name): documented but not declared \(Set(stated.keys).subtracting(declared.keys).sorted()); declared but not documented \(Set(declared.keys).subtracting(stated.keys).sorted())")
            for (field, required) in declared where required && stated[field] == true {
                Issue.record("\(name): \(field) is required but documented as optional (`\(field)?`)")
            }
            for (field, optional) in stated where optional && declared[field] == true {
                Issue.record("\(name): \(field) is documented as optional but the action requires it")
            }
        }
    }

    @Test func everyStatusTheDocsPromise_IsInTheDocument() {
        for name in table.names {
            guard let section = doc.sections[name] else { continue }
            let missing = section.statuses.subtracting(documentedStatuses(name))
            #expect(missing.isEmpty, "\(name): the docs mention \(missing.sorted()) but the OpenAPI operation lists \(documentedStatuses(name).sorted())")
        }
    }

    @Test func theParser_ReadsAClause_AndSkipsLimits() {
        let parsed = AdminAPIDoc(markdown: """
            ### `x`
            POST · write · tenant. Body: `a` (required), `b?` (1–500, default `c`; old name `d`), `e?, g`. 201 with it; at most 500 lines, `f` → 409.

            ### `y`
            GET · read. `h?`, `i` (required). Response: `{j}`.
            """)
        let s = parsed.sections["x"]
        #expect(s?.parameters == ["a": false, "b": true, "e": true, "g": false])
        #expect(parsed.sections["y"]?.parameters == ["h": true, "i": false])
        #expect(s?.statuses == [201, 409])
        #expect(s?.methods == ["POST"])
        #expect(s?.permission == "write")
    }
}
