import Foundation
import Storage

/// `billing-server copy-database --to postgres://…`: copies the SQLite database of `DATABASE_PATH` into an
/// empty PostgreSQL database with `DatabaseCopier` (docs/OPERATIONS.md §10, "Moving over from SQLite").
///
/// The source is always the SQLite file, whether or not `DATABASE_URL` is set. Exit codes: 0 when every
/// table was copied and its row count matches, 1 when the copy was refused or failed (the message names the
/// table, or the server), 2 for bad usage (a missing or malformed `--to`).
enum CopyDatabaseCommand {
    static let usage = "copy-database --to URL              Copy the SQLite database (DATABASE_PATH) into an empty PostgreSQL database:\n"
        + "                                      migrate it, copy every table (same ids), compare the row counts"

    static func run(_ arguments: [String]) -> Int32 {
        var to: String?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--to" {
                guard i + 1 < arguments.count else { return CommandLineInterface.usageError("--to needs a postgres:// URL") }
                to = arguments[i + 1]
                i += 2
            } else if a.hasPrefix("--to=") {
                to = String(a.dropFirst(5))
                i += 1
            } else {
                return CommandLineInterface.usageError("unexpected argument '\(a.hasPrefix("postgres") ? "(a URL; write --to URL)" : a)'")
            }
        }
        guard let to else { return CommandLineInterface.usageError("copy-database needs --to postgres://user:password@host:5432/database") }
        let url: PostgresURL
        do {
            url = try PostgresURL(to)
        } catch let error as PostgresURLError {
            return CommandLineInterface.usageError("--to is not a valid PostgreSQL URL: \(error.reason) (expected postgres://user:password@host:5432/database)")
        } catch {
            return CommandLineInterface.usageError("--to is not a valid PostgreSQL URL")
        }
        return CommandLineInterface.withConfiguration([]) { configuration in
            let app = configuration.application
            let path = app.databasePath
            guard FileManager.default.fileExists(atPath: path) else {
                return fail("no SQLite database at \(path) (DATABASE_PATH)")
            }
            CommandLineInterface.say("copying \(path) into \(url.redacted)")
            var settings = app.database
            settings.readerCount = 1
            let source: Database
            do {
                source = try Database(path: path, configuration: settings)
            } catch {
                return fail("DATABASE_PATH: \(error)")
            }
            defer { source.close() }
            let target: Database
            do {
                target = try Database(postgresURL: to, configuration: settings)
            } catch {
                return fail("--to: \(error)")
            }
            defer { target.close() }
            do {
                let report = try DatabaseCopier(source: source, target: target, migrationsDirectory: app.migrationsDirectory).copy()
                if report.appliedMigrations.isEmpty { CommandLineInterface.say("the target's schema is up to date") }
                for m in report.appliedMigrations {
                    CommandLineInterface.say("applied \(String(format: "%03d", m.version))_\(m.name)")
                }
                CommandLineInterface.say(report.summary)
                return report.allCountsMatch ? 0 : 1
            } catch {
                return fail("\(error)")
            }
        }
    }

    private static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("copy-database failed: \(message)\n".utf8))
        return 1
    }
}
