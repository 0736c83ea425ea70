extension Database {
    /// Connects to the PostgreSQL server of `postgresURL` (14 or later): `writerCount` writer connections, each
    /// grouping the concurrent `write` units it is given into one transaction per batch, and `readerCount` reader connections,
    /// each `read` one `REPEATABLE READ READ ONLY` snapshot. No file is created.
    ///
    /// Throws `PostgresURLError` for a malformed URL and an `isUnavailable` `DatabaseError` when the server
    /// cannot be reached; neither message contains the password. After a server restart the connections
    /// reconnect on their own (see `PostgresConnection`).
    public convenience init(postgresURL: String, configuration: DatabaseConfiguration = .init()) throws {
        precondition(configuration.readerCount >= 1, "readerCount must be at least 1")
        let url = try PostgresURL(postgresURL)
        var writers: [Writer] = []
        let begin = configuration.writeIsolation == .readCommitted ? "BEGIN" : "BEGIN ISOLATION LEVEL \(configuration.writeIsolation.rawValue)"
        for _ in 0..<max(1, configuration.writerCount) {
            writers.append(Writer(connection: try PostgresConnection(url: url, configuration: configuration), policy: WriterPolicy(begin: begin),
                                  maxBatch: configuration.maxBatchUnits))
        }
        var readConnections: [any ManagedConnection] = []
        for _ in 0..<configuration.readerCount {
            readConnections.append(try PostgresConnection(url: url, configuration: configuration))
        }
        self.init(location: url.redacted, dialect: .postgres, configuration: configuration, writers: writers,
                  readers: ReaderPool(connections: readConnections, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    }

    /// PostgreSQL when `url` is set (a `postgres://` or `postgresql://` URL), else the SQLite file at `path`.
    public static func open(url: String?, path: String, configuration: DatabaseConfiguration = .init()) throws -> Database {
        if let url, !url.isEmpty { return try Database(postgresURL: url, configuration: configuration) }
        return try Database(path: path, configuration: configuration)
    }
}
