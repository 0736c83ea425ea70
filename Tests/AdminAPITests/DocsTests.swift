import AdminAPI
import Foundation
import Testing

/// docs/ADMIN_API.md documents every action of the table.
struct DocsTests {
    @Test func adminAPIDoc_NamesEveryActionOfTheTable() throws {
        let server = try TestServer()
        let doc = try String(contentsOf: TestServer.repositoryRoot.appendingPathComponent("docs/ADMIN_API.md"), encoding: .utf8)
        for name in server.app.table.names {
            #expect(doc.contains("`\(name)`"), "docs/ADMIN_API.md does not document \(name)")
        }
    }
}
