import Foundation
import Support
import Testing

/// The `billing-server` executable: configuration errors, help, migrate, create-api-key, backup, serve + SIGTERM.
@Suite(.serialized) struct CLITests {
    /// The executable built next to the test bundle.
    static var binary: URL {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: me).deletingLastPathComponent()
        while dir.path != "/", !FileManager.default.fileExists(atPath: dir.appendingPathComponent("billing-server").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("billing-server")
    }

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-cli-\(UUIDv7.random())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func environment(_ extra: [String: String]) -> [String: String] {
        var env = ["PATH": "/usr/bin:/bin", "ENV_FILE": "/dev/null",
                   "DATABASE_PATH": directory.appendingPathComponent("db.sqlite").path,
                   "MIGRATIONS_DIR": TestServer.repositoryRoot.appendingPathComponent("migrations").path,
                   "PUBLIC_DIR": TestServer.repositoryRoot.appendingPathComponent("public").path]
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Runs the binary with `arguments`; with `umask`, under a shell that sets that umask first.
    func run(_ arguments: [String], env: [String: String] = [:], umask: String? = nil) throws -> Outcome {
        let process = Process()
        Self.configure(process, arguments, umask: umask)
        process.environment = environment(env)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func configure(_ process: Process, _ arguments: [String], umask: String?) {
        guard let umask else {
            process.executableURL = binary
            process.arguments = arguments
            return
        }
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", binary.path] + arguments
    }

    /// The port of the "listening on http://127.0.0.1:PORT/" line the server prints.
    static func listeningPort(_ stdout: String) -> Int? {
        guard let range = stdout.range(of: #"listening on http://127\.0\.0\.1:\d+/"#, options: .regularExpression) else { return nil }
        return Int(stdout[range].dropFirst("listening on http://127.0.0.1:".count).dropLast())
    }

    /// The permission bits of `path` (nil when it does not exist).
    func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    @Test func config_InvalidPort_ExitsWith2NamingTheKey() throws {
        let r = try run(["serve"], env: ["PORT": "abc"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("PORT"))
    }

    @Test func config_BadTrustedProxy_ExitsWith2NamingTheKeyAndEntry() throws {
        let r = try run(["migrate"], env: ["TRUSTED_PROXIES": "127.0.0.1, nginx"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("TRUSTED_PROXIES") && r.stderr.contains("'nginx'"))
    }

    @Test func config_UnknownLogLevel_ExitsWith2NamingTheKey() throws {
        let r = try run(["migrate"], env: ["LOG_LEVEL": "loud"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("LOG_LEVEL"))
    }

    @Test func config_BadTimeZone_ExitsWith2() throws {
        let r = try run(["migrate"], env: ["BILLING_TIMEZONE": "Mars/Olympus"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("BILLING_TIMEZONE"))
    }

    @Test func config_DotEnvFileIsRead_AndEnvironmentWins() throws {
        let file = directory.appendingPathComponent("test.env")
        try "# comment\nexport PORT=notanumber\nLOG_LEVEL='debug'\n".write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try run(["migrate"], env: ["ENV_FILE": file.path])
        #expect(fromFile.status == 2)
        #expect(fromFile.stderr.contains("PORT"))
        let overridden = try run(["migrate"], env: ["ENV_FILE": file.path, "PORT": "9000"])
        #expect(overridden.status == 0)
    }

    @Test func help_AndVersion_Print() throws {
        let help = try run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("create-api-key"))
        let version = try run(["--version"])
        #expect(version.stdout.hasPrefix("billing-server "))
        #expect(try run(["frobnicate"]).status == 2)
    }

    @Test func migrate_AppliesOnce_ThenIsUpToDate() throws {
        let first = try run(["migrate"])
        #expect(first.status == 0)
        #expect(first.stdout.contains("applied 001_tenants_and_auth"))
        let second = try run(["migrate"])
        #expect(second.stdout.contains("up to date"))
    }

    @Test func migrate_RefusesAChangedAppliedMigration_NamingIt() throws {
        let migrations = directory.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        let file = migrations.appendingPathComponent("001_first.sql")
        try "CREATE TABLE t (a INTEGER);".write(to: file, atomically: true, encoding: .utf8)
        #expect(try run(["migrate"], env: ["MIGRATIONS_DIR": migrations.path]).status == 0)
        try "CREATE TABLE t (a INTEGER, b TEXT);".write(to: file, atomically: true, encoding: .utf8)
        let changed = try run(["migrate"], env: ["MIGRATIONS_DIR": migrations.path])
        #expect(changed.status != 0)
        #expect(changed.stderr.contains("first"))
    }

    @Test func createAPIKey_PrintsAKey_AndRejectsBadRoles() throws {
        let r = try run(["create-api-key", "--role", "super-admin", "--name", "ops"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("bsk_"))
        #expect(try run(["create-api-key", "--role", "god"]).status == 2)
        #expect(try run(["create-api-key", "--role", "admin"]).status == 2)  // needs --tenant
    }

    @Test func backup_WritesACopyThatOpens() throws {
        #expect(try run(["migrate"]).status == 0)
        let target = directory.appendingPathComponent("copy.sqlite").path
        let r = try run(["backup", target])
        #expect(r.status == 0)
        #expect(FileManager.default.fileExists(atPath: target))
    }

    /// Issue 18: under the usual umask 022 the database, its backup and the data directory were
    /// world-readable (0644/0755): password hashes, sealed tokens and all business data for any local user.
    @Test func migrateAndBackup_CreateOwnerOnlyFiles_UnderUmask022() throws {
        let data = directory.appendingPathComponent("data")
        let db = data.appendingPathComponent("billing.sqlite").path
        let r = try run(["migrate"], env: ["DATABASE_PATH": db], umask: "022")
        #expect(r.status == 0, "\(r.stderr)")
        let backup = directory.appendingPathComponent("copy.sqlite").path
        #expect(try run(["backup", backup], env: ["DATABASE_PATH": db], umask: "022").status == 0)
        #expect(mode(db) == 0o600, "database \(String(mode(db) ?? -1, radix: 8))")
        #expect(mode(backup) == 0o600, "backup \(String(mode(backup) ?? -1, radix: 8))")
        #expect(mode(data.path) == 0o700, "data directory \(String(mode(data.path) ?? -1, radix: 8))")
        for suffix in ["-wal", "-shm", "-journal"] where mode(db + suffix) != nil {
            #expect(mode(db + suffix) == 0o600, "\(suffix) \(String(mode(db + suffix) ?? -1, radix: 8))")
        }
    }

    /// The `-wal` and `-shm` files exist while the server runs: they are owner-only too.
    @Test func serve_CreatesOwnerOnlyWALAndSHM_UnderUmask022() throws {
        let process = Process()
        Self.configure(process, ["serve"], umask: "022")
        // Port 0: the kernel picks a free port and the server prints it (a random fixed port could be an
        // ephemeral port some other connection of the suite holds, and the server would not start).
        process.environment = environment(["PORT": "0"])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("listening"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let port = try #require(Self.listeningPort(text), "the server did not start: \(text)")
        #expect(try TestClient(port: port).request("GET", "/health").status == 200)
        let db = directory.appendingPathComponent("db.sqlite").path
        for path in [db, db + "-wal", db + "-shm"] {
            #expect(mode(path) == 0o600, "\(path): \(mode(path).map { String($0, radix: 8) } ?? "missing")")
        }
    }

    @Test func serve_PrintsBootstrapKeyOnce_ServesHealth_AndExits0OnSIGTERM() throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["serve"]
        // Port 0: the kernel picks a free port and the server prints it (a random fixed port could be an
        // ephemeral port some other connection of the suite holds, and the server would not start).
        process.environment = environment(["PORT": "0"])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("listening"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text.contains("Bootstrap super-admin API key"))
        let key = text.components(separatedBy: "store it now): ").last?.components(separatedBy: "\n").first ?? ""
        let client = TestClient(port: try #require(Self.listeningPort(text), "the server did not start: \(text)"))
        #expect(try client.request("GET", "/health").status == 200)
        let me = try client.request("GET", "/admin-api?action=current_user", headers: [("Authorization", "Bearer \(key)")])
        #expect(me.status == 200)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        // A second start on the same database prints no key.
        let again = try run(["--version"])
        #expect(!again.stdout.contains("Bootstrap"))
    }
}
