import AdminAPI
import Billing
import Foundation
import HTTP
import Storage
import Support

/// The subcommands of `billing-server`; each returns the process exit code.
///
/// Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.
enum CommandLineInterface {
    static let usage = """
        billing-server \(BillingServerVersion.current) — usage metering, quotas and billing over HTTP

        USAGE: billing-server [COMMAND] [OPTIONS]

        COMMANDS:
          serve                               Start the HTTP server (default)
          migrate                             Apply pending database migrations and exit
          create-api-key --role ROLE [--tenant TENANT_ID] [--name NAME]
                                              Create an API key and print it once (roles: viewer, admin, super-admin)
          \(JobsCommand.usage)
          backup PATH                         Copy the SQLite database to PATH with SQLite's online backup API
                                              (with DATABASE_URL, use pg_dump or PITR instead)
          \(CopyDatabaseCommand.usage)
          \(ImportCommand.usage)
          \(OpenAPICommand.usage)
          \(RotateDataKeyCommand.usage)
          --help, -h                          Show this help
          --version                           Print the version

        Configuration comes from the environment, then .env (see .env.example).
        """

    static func run(_ arguments: [String]) -> Int32 {
        restrictNewFiles()
        let command = arguments.first ?? "serve"
        let rest = Array(arguments.dropFirst())
        switch command {
        case "--help", "-h", "help":
            say(usage)
            return 0
        case "--version", "version":
            say("billing-server \(BillingServerVersion.current)")
            return 0
        case "serve": return withConfiguration(rest, createDataKey: true) { serve($0) }
        case "migrate": return withConfiguration(rest) { migrate($0) }
        case "create-api-key": return withConfiguration([]) { createAPIKey($0, options: rest) }
        case "jobs": return JobsCommand.run(rest)
        case "import-php-db": return ImportCommand.run(rest)
        case "copy-database": return CopyDatabaseCommand.run(rest)
        case "openapi": return OpenAPICommand.run(rest)
        case "rotate-data-key": return RotateDataKeyCommand.run(rest)
        case "backup":
            guard rest.count == 1 else { return usageError("backup needs exactly one PATH") }
            return withConfiguration([]) { backup($0, to: rest[0]) }
        default:
            return usageError("unknown command '\(command)'")
        }
    }

    /// Every file this process creates — the database and its `-wal`, `-shm` and `-journal` files, backups,
    /// the data directory — is readable by its owner only (0600, directories 0700), whatever umask the
    /// shell or service manager gave us: the database holds password hashes, sealed card tokens and business data.
    static func restrictNewFiles() {
        umask(0o077)
    }

    /// Writes a line to stdout unbuffered, so a pipe sees the bootstrap key and "listening" at once.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func usageError(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("error: \(message)\n\n\(usage)\n".utf8))
        return 2
    }

    /// Reads the configuration and the data keys (`createDataKey`: make the key file on a first start).
    static func withConfiguration(_ extra: [String], createDataKey: Bool = false, _ body: (Configuration) -> Int32) -> Int32 {
        if let unexpected = extra.first { return usageError("unexpected argument '\(unexpected)'") }
        do {
            var configuration = try Configuration(environment: try Environment.load())
            configuration.dataKeys = try DataKeySetup.apply(&configuration, createIfMissing: createDataKey)
            return body(configuration)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 2
        }
    }

    static func serve(_ configuration: Configuration) -> Int32 {
        let logger = Logger(level: configuration.logLevel)
        let app: Application
        do {
            DataKeySetup.log(configuration.dataKeys, ring: configuration.application.billing.dataKeys.current, logger: logger)
            app = try Application(settings: configuration.application, logger: logger)
            try app.start()
        } catch {
            logger.error("startup failed", ["error": String(describing: error)])
            FileHandle.standardError.write(Data("startup failed: \(error)\n".utf8))
            return 1
        }
        if let key = app.bootstrap.generatedKey {
            // Printed once on stdout (not to the log): this is the only time the key exists in the clear.
            say("Bootstrap super-admin API key (shown once, store it now): \(key)")
        }
        if let email = app.bootstrap.createdUserEmail { logger.info("bootstrap dashboard user created", ["email": email]) }
        SignalWatcher.install { signal in
            logger.info("shutdown requested", ["signal": String(signal)])
            app.shutdown()
        }
        logger.info("listening", ["host": configuration.application.http.host, "port": String(app.port),
                                  "database": configuration.application.databaseDescription, "version": BillingServerVersion.current])
        say("billing-server listening on http://\(configuration.application.http.host):\(app.port)/ (dashboard at /admin/)")
        app.run()
        logger.info("stopped")
        return 0
    }

    /// The configured database (PostgreSQL with `DATABASE_URL`, else the SQLite file), not yet migrated.
    static func openDatabase(_ configuration: Configuration) throws -> Database {
        try configuration.application.openDatabase()
    }

    static func migrate(_ configuration: Configuration) -> Int32 {
        do {
            let db = try openDatabase(configuration)
            defer { db.close() }
            let applied = try db.migrate(directory: configuration.application.migrationsDirectory)
            if applied.isEmpty { say("database is up to date") }
            for m in applied { say("applied \(String(format: "%03d", m.version))_\(m.name)") }
            return 0
        } catch {
            FileHandle.standardError.write(Data("migrate failed: \(error)\n".utf8))
            return 1
        }
    }

    static func createAPIKey(_ configuration: Configuration, options: [String]) -> Int32 {
        var role: Role?
        var tenant: String?
        var name = "cli"
        var i = 0
        while i < options.count {
            let option = options[i]
            guard i + 1 < options.count else { return usageError("\(option) needs a value") }
            let value = options[i + 1]
            switch option {
            case "--role":
                guard let r = Role(rawValue: value) else { return usageError("--role must be one of \(Role.allNames)") }
                role = r
            case "--tenant": tenant = value
            case "--name": name = value
            default: return usageError("unknown option '\(option)'")
            }
            i += 2
        }
        guard let role else { return usageError("create-api-key needs --role") }
        do {
            let db = try openDatabase(configuration)
            defer { db.close() }
            _ = try db.migrate(directory: configuration.application.migrationsDirectory)
            let service = APIKeyService(database: db, clock: SystemClock())
            let issued = try service.generate(name: name, role: role, tenantId: tenant, expiresAt: nil, context: .system)
            say(issued.secret)
            return 0
        } catch let error as BillingError {
            FileHandle.standardError.write(Data("create-api-key failed: \(error)\n".utf8))
            return 2
        } catch {
            FileHandle.standardError.write(Data("create-api-key failed: \(error)\n".utf8))
            return 1
        }
    }

    static func backup(_ configuration: Configuration, to path: String) -> Int32 {
        if configuration.application.databaseURL != nil {
            FileHandle.standardError.write(Data("""
                backup failed: DATABASE_URL selects PostgreSQL, which this command does not copy; use pg_dump for a \
                logical copy, or base backups with WAL archiving (pg_basebackup) for point-in-time recovery

                """.utf8))
            return 1
        }
        do {
            let db = try openDatabase(configuration)
            defer { db.close() }
            try db.backup(to: path)
            say("backup written to \(path)")
            return 0
        } catch {
            FileHandle.standardError.write(Data("backup failed: \(error)\n".utf8))
            return 1
        }
    }
}
