import Foundation
import LoopbackTestSupport
import Testing

/// A throwaway PostgreSQL cluster of this test alone (initdb into a temporary directory, trust auth,
/// loopback only, fsync off), for tests that restart or stop the server. Stopped and removed on deinit.
///
/// Needs the server binaries (`BILLING_TEST_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`); as
/// root it runs them as the `postgres` user (initdb refuses root).
final class PrivateCluster: @unchecked Sendable {
    let directory: String
    let port: Int
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    static let binDirectory: String? = {
        if let dir = ProcessInfo.processInfo.environment["BILLING_TEST_PG_BIN"], !dir.isEmpty { return dir }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "\(root)/\($0)/bin" }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl") ? $0 : nil }
    }()

    static var runsAsRoot: Bool { getuid() == 0 }
    static var isAvailable: Bool {
        PostgresTestCluster.isConfigured && binDirectory != nil && (!runsAsRoot || getpwnam("postgres") != nil)
    }
    static let skipReason: Comment = "needs BILLING_TEST_DATABASE_URL and the PostgreSQL server binaries (initdb, pg_ctl)"

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/storage-pg-XXXXXX").utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        port = try Self.freePort()
        if Self.runsAsRoot {
            try Self.shell("/bin/chown", ["postgres", directory])
        }
        try pg("initdb", ["-D", directory + "/data", "-A", "trust", "-U", "postgres", "--no-sync"])
        try start()
    }

    deinit {
        try? pg("pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    var serverOptions: String { "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off" }

    func start() throws {
        try pg("pg_ctl", ["-D", directory + "/data", "-o", serverOptions, "-l", directory + "/log", "-w", "start"])
    }

    func stop() throws {
        try pg("pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "stop"])
    }

    /// `pg_ctl restart -m fast`: the server ends every session and comes back on the same port.
    func restart() throws {
        try pg("pg_ctl", ["-D", directory + "/data", "-o", serverOptions, "-l", directory + "/log", "-m", "fast", "-w", "restart"])
    }

    private func pg(_ tool: String, _ arguments: [String]) throws {
        let binary = Self.binDirectory! + "/" + tool
        if Self.runsAsRoot {
            try Self.shell("/usr/sbin/runuser", ["-u", "postgres", "--", binary] + arguments)
        } else {
            try Self.shell(binary, arguments)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs a tool to completion with `posix_spawn` + `waitpid`, its output in a file. (Foundation's
    /// `Process` learns of the exit through a descriptor the child inherits; the server that `pg_ctl start`
    /// leaves running inherits it too, and `waitUntilExit` would never return.)
    private static func shell(_ executable: String, _ arguments: [String]) throws {
        let outputPath = NSTemporaryDirectory() + "/storage-pg-tool-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure(description: "\(executable): posix_spawn failed (\(rc))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
    }

    /// A loopback port nobody listens on right now.
    private static func freePort() throws -> Int {
        let (fd, port) = try TestSocket.listen()
        close(fd)
        return Int(port)
    }
}
