import AdminAPI
import Billing
import Foundation
import Storage
import Support

/// `billing-server openapi`: prints the OpenAPI 3.1 document the server serves at `/admin-api/openapi.json`.
enum OpenAPICommand {
    static let usage = "openapi                             Print the OpenAPI 3.1 document of the admin API (as served at /admin-api/openapi.json)"

    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.isEmpty else { return CommandLineInterface.usageError("openapi takes no arguments") }
        // The action table is built over services, which need a database; the document reads only its
        // declarations, so a throwaway one in a temporary directory does.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-openapi-\(UUIDv7.make())")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let database = try Database(path: directory.appendingPathComponent("scratch.db").path)
            let services = AdminServices(database: database, clock: SystemClock(), settings: BillingSettings())
            let document = OpenAPIDocument.make(ActionTable.standard(services), version: BillingServerVersion.current)
            FileHandle.standardOutput.write(Data(document.serialized() + [0x0A]))
            return 0
        } catch {
            FileHandle.standardError.write(Data("openapi failed: \(error)\n".utf8))
            return 1
        }
    }
}
