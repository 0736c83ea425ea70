import Foundation
import Support
import Synchronization

/// The log of every in-process server the suite starts, kept for `Tests/logscan.py`, which `make test`
/// runs at the end to fail on any secret in any log line.
///
/// With `BILLING_TEST_LOG_DIR` set, each logger made by `SuiteLog.logger` writes every line (debug level)
/// to `<dir>/swift-<module>-<pid>.log` — buffered, flushed when a test server stops and at exit — and
/// `register(secrets:)` appends the secrets a test configures to `<dir>/swift-<module>-<pid>.secrets`, one
/// per line, so the scanner looks for those exact values too. Unset (a plain `swift test`), the loggers
/// are what the test asked for and nothing is written.
///
/// The same file serves AdminAPITests and AsaasTests (`Tests/AsaasTests/SuiteLog.swift` is a symlink).
final class SuiteLog: @unchecked Sendable {
    static let directoryVariable = "BILLING_TEST_LOG_DIR"

    /// The open log of this test process, or nil when the variable is unset or the file cannot be created.
    static let shared: SuiteLog? = {
        guard let directory = ProcessInfo.processInfo.environment[directoryVariable], !directory.isEmpty else { return nil }
        let module = #fileID.split(separator: "/").first.map(String.init) ?? "tests"
        let base = URL(fileURLWithPath: directory).appendingPathComponent("swift-\(module)-\(getpid())")
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let file = fopen(base.path + ".log", "a") else { return nil }
        setvbuf(file, nil, _IOFBF, 1 << 20)
        return SuiteLog(file: file, secretsPath: base.path + ".secrets")
    }()

    /// `FILE` locks itself per call, so concurrent `fputs` of whole lines never interleave.
    private let file: UnsafeMutablePointer<FILE>
    private let secretsPath: String
    private let registeredSecrets = Mutex<Set<String>>([])

    private init(file: UnsafeMutablePointer<FILE>, secretsPath: String) {
        self.file = file
        self.secretsPath = secretsPath
    }

    /// A logger for a test server or client: lines at `level` and above go to `capture` (when given);
    /// with the suite log on, every line also goes to the file, whatever `level` is.
    static func logger(level: LogLevel = .error, capture: Logger.Sink? = nil) -> Logger {
        guard let shared else { return capture.map { Logger(level: level, sink: $0) } ?? Logger(level: level) }
        return Logger(level: .debug) { line in
            shared.write(line)
            if let capture, let lineLevel = Self.level(of: line), lineLevel >= level { capture(line) }
        }
    }

    /// Records secrets the test configured (nil and empty values are skipped) for the scanner.
    static func register(secrets: [String?]) {
        guard let shared else { return }
        let fresh = shared.registeredSecrets.withLock { known in
            secrets.compactMap { $0 }.filter { !$0.isEmpty && known.insert($0).inserted }
        }
        guard !fresh.isEmpty, let handle = fopen(shared.secretsPath, "a") else { return }
        for secret in fresh { fputs(secret + "\n", handle) }
        fclose(handle)
    }

    /// Pushes buffered lines to the file (a test server calls it when it stops; exit flushes the rest).
    static func flush() {
        if let shared { fflush(shared.file) }
    }

    private func write(_ line: String) {
        fputs(line + "\n", file)
    }

    /// The `level=` field of a `Logger` line (`time=… level=info msg=…`).
    static func level(of line: String) -> LogLevel? {
        guard let start = line.range(of: " level=")?.upperBound else { return nil }
        let name = line[start...].prefix { $0 != " " }
        return LogLevel(name: String(name))
    }
}
