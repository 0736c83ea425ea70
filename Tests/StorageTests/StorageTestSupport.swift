import Foundation
@testable import Storage
import Synchronization
import Testing

/// A fresh directory per test, removed when the value goes away.
final class TempDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/storage-tests-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
    }
}

/// Runs `body(i)` on `count` new threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.start()
    }
    group.wait()
}

/// Errors collected from several threads.
final class ErrorLog: Sendable {
    private let errors = Mutex<[String]>([])
    func record(_ error: any Error) { errors.withLock { $0.append(String(describing: error)) } }
    var all: [String] { errors.withLock { $0 } }
}

extension Database {
    /// A database in `dir` with an `items(id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)` table.
    static func makeWithItems(in dir: TempDirectory, name: String = "test.sqlite",
                              configuration: DatabaseConfiguration = .init()) throws -> Database {
        let db = try Database(path: dir.file(name), configuration: configuration)
        try db.write { conn in
            try conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)")
        }
        return db
    }

    func count(_ table: String = "items") throws -> Int64 {
        try read { try $0.scalar("SELECT count(*) FROM \(table)").int64Value ?? -1 }
    }
}

// MARK: - Both backends

/// The backends a storage test runs on: SQLite always, PostgreSQL when `BILLING_TEST_DATABASE_URL`
/// names a cluster (e.g. `postgres://postgres@127.0.0.1:5432/postgres`). Without it the PostgreSQL
/// cases are left out of `available`, and `PostgresTests` (and the other PostgreSQL-only suites) are
/// skipped with `PostgresTestCluster.skipReason` recorded.
enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    var description: String { rawValue }

    /// The arguments for `@Test(arguments:)`: the backends this run can reach.
    static let available: [TestBackend] = PostgresTestCluster.isConfigured ? [.sqlite, .postgres] : [.sqlite]
}

/// A cluster for PostgreSQL tests, from `BILLING_TEST_DATABASE_URL`; each test gets its own database.
enum PostgresTestCluster {
    static let url: String? = ProcessInfo.processInfo.environment["BILLING_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isConfigured: Bool { url != nil }
    static let skipReason: Comment = "BILLING_TEST_DATABASE_URL is not set: PostgreSQL variants skipped"

    /// Cancels the current test (case) when no cluster is configured; returns its URL otherwise.
    static func requireURL() throws -> String {
        guard let url else { try Test.cancel(skipReason) }
        return url
    }

    private static let counter = Atomic<Int>(0)

    /// Creates a database with a unique name and returns its name and URL.
    static func createDatabase() throws -> (name: String, url: String) {
        let admin = try requireURL()
        let n = counter.add(1, ordering: .relaxed).newValue
        let name = "billing_test_\(getpid())_\(n)_\(UInt32.random(in: 0...UInt32.max))"
        let conn = try PostgresConnection(url: admin)
        defer { conn.close() }
        try conn.execute("CREATE DATABASE \(name)")
        return (name, try PostgresURL(admin).withDatabase(name))
    }

    static func dropDatabase(_ name: String) {
        guard let admin = url, let conn = try? PostgresConnection(url: admin) else { return }
        defer { conn.close() }
        try? conn.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

/// A `Database` for one test on `backend`: a SQLite file in a temporary directory, or a fresh PostgreSQL
/// database dropped when this value goes away. `items(id, name UNIQUE, n)` exists unless `items` is false.
///
/// `@unchecked Sendable`: every stored property is set once in `init`; `Database` itself is Sendable.
final class TestDatabase: @unchecked Sendable {
    let backend: TestBackend
    let directory = TempDirectory()
    /// The PostgreSQL database's name and URL.
    private(set) var postgres: (name: String, url: String)?
    let configuration: DatabaseConfiguration
    let db: Database

    init(_ backend: TestBackend, configuration: DatabaseConfiguration = .init(), items: Bool = true) throws {
        self.backend = backend
        var configuration = configuration
        switch backend {
        case .sqlite:
            self.configuration = configuration
            db = try Database(path: directory.file("test.sqlite"), configuration: configuration)
        case .postgres:
            configuration.readerCount = min(configuration.readerCount, 3)  // shared clusters have ~100 connections
            // One writer, whose grouping these tests observe (several writers share the units round robin).
            configuration.writerCount = 1
            self.configuration = configuration
            let created = try PostgresTestCluster.createDatabase()
            postgres = created
            do {
                db = try Database(postgresURL: created.url, configuration: configuration)
            } catch {
                PostgresTestCluster.dropDatabase(created.name)
                throw error
            }
        }
        if items {
            let sql = backend == .sqlite
                ? "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)"
                : "CREATE TABLE IF NOT EXISTS items (id BIGSERIAL PRIMARY KEY, name TEXT UNIQUE, n BIGINT)"
            try db.write { try $0.execute(sql) }
        }
    }

    /// Another `Database` on the same data (a second instance, or a reopen after `db.close()`).
    func reopen() throws -> Database {
        switch backend {
        case .sqlite: return try Database(path: directory.file("test.sqlite"), configuration: configuration)
        case .postgres: return try Database(postgresURL: postgres!.url, configuration: configuration)
        }
    }

    deinit {
        db.close()
        if let postgres { PostgresTestCluster.dropDatabase(postgres.name) }
    }
}
