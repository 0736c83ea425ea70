import Foundation
import Storage

/// Which database backend the server-level suites run on, from the environment:
/// `BILLING_TEST_BACKEND=postgres` with `BILLING_TEST_DATABASE_URL` (a cluster URL whose role may create
/// databases; `make test` starts one with Tests/pg/with_cluster.sh) runs them on PostgreSQL, each test server
/// on a database of its own; anything else runs them on a SQLite file in a temporary directory.
public enum TestBackendEnvironment {
    /// The cluster URL when the suites run on PostgreSQL, else nil.
    public static let postgresClusterURL: String? = {
        let env = ProcessInfo.processInfo.environment
        guard env["BILLING_TEST_BACKEND"] == "postgres", let url = env["BILLING_TEST_DATABASE_URL"], !url.isEmpty else { return nil }
        return url
    }()

    /// True when the suites run on PostgreSQL.
    public static var usesPostgres: Bool { postgresClusterURL != nil }

    /// The name of the backend, for messages.
    public static var backendName: String { usesPostgres ? "postgres" : "sqlite" }
}

/// A fresh, empty PostgreSQL database in the test cluster, dropped when this value is released.
///
/// Created like production databases should be (UTF8, C collation: bytewise order as on SQLite).
public final class FreshPostgresDatabase: Sendable {
    public let name: String
    public let url: String
    private let clusterURL: String

    /// Creates a uniquely named database in the cluster of `TestBackendEnvironment.postgresClusterURL`.
    public init(prefix: String = "t") throws {
        guard let cluster = TestBackendEnvironment.postgresClusterURL else {
            throw DatabaseError(code: 1, message: "BILLING_TEST_BACKEND=postgres and BILLING_TEST_DATABASE_URL are not set")
        }
        clusterURL = cluster
        name = "\(prefix)_\(getpid())_\(UUIDv7Like.next())"
        let admin = try PostgresConnection(url: cluster)
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        url = try PostgresURL(cluster).withDatabase(name)
    }

    deinit {
        guard let admin = try? PostgresConnection(url: clusterURL) else { return }
        defer { admin.close() }
        try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

/// Short unique suffixes for database names (lowercase, no dashes).
enum UUIDv7Like {
    static func next() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16).description }
}
