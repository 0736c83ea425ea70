import Billing
import Foundation
import Storage
import Support

/// `billing-server import-php-db PATH [--dry-run] [--json] [--source-timezone TZ] [--batch-size N]`:
/// imports the PHP application's SQLite database (docs/OPERATIONS.md, "Migrating from the PHP application").
///
/// Exit codes: 0 when the import (or dry run) finished — skipped rows are reported, not failures —,
/// 1 when a database could not be used, 2 for bad usage.
enum ImportCommand {
    static let usage = "import-php-db PATH [--dry-run] [--json] [--source-timezone TZ]\n"
        + "                                      Import the PHP application's SQLite database (ids kept, idempotent)"

    static func run(_ arguments: [String]) -> Int32 {
        var path: String?
        var options = PHPImportOptions()
        var json = false
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--dry-run": options.dryRun = true
            case "--json": json = true
            case "--source-timezone":
                guard i + 1 < arguments.count, let zone = TimeZone(identifier: arguments[i + 1]) else {
                    return CommandLineInterface.usageError("--source-timezone needs a zone name such as UTC or America/Sao_Paulo")
                }
                options.sourceTimeZone = zone
                i += 1
            case "--batch-size":
                guard i + 1 < arguments.count, let n = Int(arguments[i + 1]), (1...1000).contains(n) else {
                    return CommandLineInterface.usageError("--batch-size needs a number from 1 to 1000")
                }
                options.batchSize = n
                i += 1
            default:
                guard !a.hasPrefix("-"), path == nil else { return CommandLineInterface.usageError("unexpected argument '\(a)'") }
                path = a
            }
            i += 1
        }
        guard let path else { return CommandLineInterface.usageError("import-php-db needs the PATH of the PHP application's SQLite database") }
        return CommandLineInterface.withConfiguration([]) { configuration in
            do {
                let source = URL(fileURLWithPath: path).standardizedFileURL.path
                let target = URL(fileURLWithPath: configuration.application.databasePath).standardizedFileURL.path
                guard configuration.application.databaseURL != nil || source != target else {
                    return CommandLineInterface.usageError("PATH is the server's own database")
                }
                let db = try CommandLineInterface.openDatabase(configuration)
                defer { db.close() }
                _ = try db.migrate(directory: configuration.application.migrationsDirectory)
                let billing = configuration.application.billing
                options.paymentDataKey = billing.paymentDataKey
                let importer = PHPImporter(database: db, clock: SystemClock(), settings: billing, options: options)
                let report = try importer.run(sourcePath: path)
                CommandLineInterface.say(json ? report.json.serializedString() : report.text)
                return 0
            } catch {
                FileHandle.standardError.write(Data("import-php-db failed: \(error)\n".utf8))
                return 1
            }
        }
    }
}
