import Foundation
@testable import Storage
import Synchronization
import Testing

/// PostgreSQL-only behaviour of the libpq backend, against a real server (BILLING_TEST_DATABASE_URL).
@Suite(.enabled(if: PostgresTestCluster.isConfigured, PostgresTestCluster.skipReason))
struct PostgresTests {
    // MARK: - Types

    @Test func values_RoundTrip_ThroughTypedColumns() throws {
        let t = try TestDatabase(.postgres, items: false)
        try t.db.write { try $0.execute("CREATE TABLE v (i BIGINT PRIMARY KEY, n BIGINT, d DOUBLE PRECISION, s TEXT, b BYTEA)") }
        let rows: [(SQLValue, SQLValue, SQLValue, SQLValue)] = [
            (.integer(Int64.max), .real(3.25), .text("héllo ✓ 🎉 'quoted' ?"), .blob([0, 1, 2, 255, 0])),
            (.integer(Int64.min), .real(-0.0), .text(""), .blob([])),
            (.integer(0), .real(1e-300), .text(String(repeating: "x", count: 10_000)), .blob(Array(0...255))),
            (.null, .null, .null, .null),
            (.integer(-1), .real(.infinity), .text("line\nbreak\ttab"), .blob([92, 120])),  // the bytes of "\x"
        ]
        try t.db.write { conn in
            for (i, r) in rows.enumerated() {
                try conn.run("INSERT INTO v (i, n, d, s, b) VALUES (?, ?, ?, ?, ?)", [SQLValue(i), r.0, r.1, r.2, r.3])
            }
        }
        let back = try t.db.read { try $0.query("SELECT n, d, s, b FROM v ORDER BY i") }
        #expect(back.count == rows.count)
        for (row, expected) in zip(back, rows) {
            #expect(row["n"] == expected.0)
            #expect(row["d"] == expected.1)
            #expect(row["s"] == expected.2)
            #expect(row["b"] == expected.3)
        }
        #expect(back[1]["d"].doubleValue?.sign == .minus, "-0.0 keeps its sign")
    }

    @Test func parameters_TypeCheck_InCommonPositions() throws {
        let t = try TestDatabase(.postgres)
        try t.db.write { conn in
            for i in 1...5 { try conn.run("INSERT INTO items (name, n) VALUES (?, ?)", [.text("n\(i)"), SQLValue(i)]) }
        }
        try t.db.read { (conn: Connection) throws -> Void in
            #expect(try conn.scalar("SELECT n FROM items WHERE name = ?", ["n3"]) == 3)
            #expect(try conn.query("SELECT n FROM items ORDER BY n LIMIT ? OFFSET ?", [2, 1]).map { $0["n"] } == [2, 3])
            #expect(try conn.scalar("SELECT ? || 'x'", ["a"]) == "ax")
            #expect(try conn.scalar("SELECT name || ? FROM items WHERE n = ?", ["!", 1]) == "n1!")
            #expect(try conn.scalar("SELECT ?::text", [42]) == "42")
            #expect(try conn.scalar("SELECT ? + n FROM items WHERE n = 1", [1.5]) == .real(2.5))
            #expect(try conn.scalar("SELECT ?", [7]) == 7)
            #expect(try conn.scalar("SELECT ?", ["s"]) == "s")
            #expect(try conn.scalar("SELECT ?", [.blob([1, 0, 2])]) == .blob([1, 0, 2]))
            #expect(try conn.scalar("SELECT ?", [2.5]) == 2.5)
            #expect(try conn.scalar("SELECT count(*) FROM items WHERE n IS NOT DISTINCT FROM ?", [.null]) == 0)
            #expect(try conn.scalar("SELECT CASE WHEN ? = 'succeeded' THEN ? ELSE 'no' END", ["succeeded", "yes"]) == "yes")
            #expect(try conn.scalar("SELECT count(*) FROM items WHERE name = \(bind: "n2") AND n > \(bind: 1)") == 1)
            // The same text with other parameter types is another prepared statement, not an error.
            #expect(try conn.scalar("SELECT count(*) FROM items WHERE n = ?", [2]) == 1)
            #expect(try conn.scalar("SELECT count(*) FROM items WHERE n = ?", [.null]) == 0)
        }
    }

    @Test func results_DecodeByColumnType() throws {
        let t = try TestDatabase(.postgres)
        try t.db.write { conn in
            for i in 1...4 { try conn.run("INSERT INTO items (name, n) VALUES (?, ?)", [.text("n\(i)"), SQLValue(i)]) }
        }
        let row = try #require(try t.db.read { conn in
            try conn.queryOne("""
                SELECT SUM(n) AS total, AVG(n) AS mean, 10.000::numeric AS whole, 2.50::numeric AS half,
                    123456789012345678901234::numeric AS huge, 1::int2 AS small, 2::int4 AS medium, 1.5::float4 AS single,
                    true AS yes, false AS no, 'v'::varchar AS v, '\\x00ff'::bytea AS b, NULL::bigint AS nothing,
                    '2026-01-01'::date AS day, 'NaN'::float8 AS notanumber
                FROM items
                """)
        })
        #expect(row["total"] == .integer(10), "SUM(bigint) is numeric; integral values decode as integers")
        #expect(row["mean"] == .real(2.5))
        #expect(row["whole"] == .integer(10) && row["half"] == .real(2.5))
        #expect(row["huge"].doubleValue.map { $0 > 1e23 } == true)
        #expect(row["small"] == 1 && row["medium"] == 2 && row["single"] == .real(1.5))
        #expect(row["yes"] == 1 && row["no"] == 0)
        #expect(try row.decode(Bool.self, "yes"))
        #expect(row["v"] == "v" && row["b"] == .blob([0, 255]) && row["nothing"] == .null)
        #expect(row["day"] == "2026-01-01")
        #expect(row["notanumber"].doubleValue?.isNaN == true)
        #expect(row["TOTAL"] == .integer(10), "names are matched case-insensitively")
    }

    // MARK: - Errors

    @Test func errors_MapToTheSQLiteCodesCallersCheck() throws {
        let t = try TestDatabase(.postgres, items: false)
        try t.db.write { conn in
            try conn.execute("""
                CREATE TABLE parent (id BIGINT PRIMARY KEY);
                CREATE TABLE child (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES parent(id), email TEXT UNIQUE,
                    amount BIGINT NOT NULL CHECK (amount >= 0));
                INSERT INTO parent VALUES (1);
                INSERT INTO child VALUES (1, 1, 'taken@example.com', 5);
                """)
        }
        func failure(_ sql: String, _ args: [SQLValue]) -> DatabaseError? {
            do {
                try t.db.write { try $0.run(sql, args) }
                return nil
            } catch { return error as? DatabaseError }
        }
        let insert = "INSERT INTO child (id, parent_id, email, amount) VALUES (?, ?, ?, ?)"
        let unique = try #require(failure(insert, [2, 1, "taken@example.com", 1]))
        #expect(unique.isUniqueViolation && unique.isConstraintViolation && unique.sqlState == "23505")
        #expect(ResultCode.constraint ~= unique.resultCode)
        #expect(!unique.description.contains("taken@example.com"), "DETAIL quotes the key; it is dropped")
        #expect(unique.description.contains("child_email_key") && unique.sql == insert)

        let foreign = try #require(failure(insert, [3, 99, "a@example.com", 1]))
        #expect(foreign.isForeignKeyViolation && foreign.sqlState == "23503" && !foreign.isUniqueViolation)
        let check = try #require(failure(insert, [4, 1, "b@example.com", -1]))
        #expect(check.isCheckViolation && check.isConstraintViolation && check.sqlState == "23514")
        let notNull = try #require(failure(insert, [5, 1, "c@example.com", .null]))
        #expect(notNull.isNotNullViolation && notNull.isConstraintViolation && notNull.sqlState == "23502")
        let syntax = try #require(failure("SELEC 1", []))
        #expect(syntax.code == 1 && syntax.sqlState == "42601" && syntax.message.contains("syntax error"))
        #expect(!unique.isRetryable && !unique.isUnavailable && !unique.isBusy)

        let readOnly = try #require({ () -> DatabaseError? in
            do { try t.db.read { try $0.run("INSERT INTO parent VALUES (2)") }; return nil } catch { return error as? DatabaseError }
        }())
        #expect(readOnly.resultCode == .readonly && readOnly.sqlState == "25006")
    }

    @Test func unitThatSwallowsAnError_FailsAlone_AndSavepointLetsItCarryOn() throws {
        let t = try TestDatabase(.postgres)
        try t.db.write { try $0.run("INSERT INTO items (name) VALUES ('taken')") }
        // On PostgreSQL a failed statement aborts the transaction: catching it without a savepoint
        // leaves the unit unable to RELEASE, and the writer rolls that unit back alone.
        #expect(throws: DatabaseError.self) {
            try t.db.write { conn in
                _ = try? conn.run("INSERT INTO items (name) VALUES ('taken')")
                try conn.run("INSERT INTO items (name) VALUES ('lost')")
            }
        }
        try t.db.write { conn in
            _ = try? conn.savepoint { try conn.run("INSERT INTO items (name) VALUES ('taken')") }
            try conn.run("INSERT INTO items (name) VALUES ('kept')")
        }
        #expect(try t.db.read { try $0.query("SELECT name FROM items ORDER BY id").compactMap { $0.string("name") } } == ["taken", "kept"])
    }

    @Test func commitThatRolledBack_IsAnError() throws {
        let t = try TestDatabase(.postgres)
        let conn = try PostgresConnection(url: t.postgres!.url)
        defer { conn.close() }
        try conn.run("BEGIN")
        _ = try? conn.run("SELEC 1")
        #expect(throws: DatabaseError.self) { try conn.run("COMMIT") }
        #expect(!conn.isInTransaction)
    }

    // MARK: - Group commit

    /// `DATABASE_WRITERS`: several writer connections share the units; every write is kept and the statistics are their sum.
    @Test func severalWriterConnections_KeepEveryWrite_AndSumTheirStatistics() throws {
        let created = try PostgresTestCluster.createDatabase()
        defer { PostgresTestCluster.dropDatabase(created.name) }
        var configuration = DatabaseConfiguration()
        configuration.readerCount = 1
        configuration.writerCount = 4
        let db = try Database(postgresURL: created.url, configuration: configuration)
        defer { db.close() }
        try db.write { try $0.execute("CREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT UNIQUE, n BIGINT)") }
        let errors = ErrorLog()
        onThreads(32) { i in
            for j in 0..<25 {
                do { try db.write { try $0.run("INSERT INTO items (name, n) VALUES (?, ?)", [.text("\(i)-\(j)"), SQLValue(i)]) } } catch { errors.record(error) }
            }
        }
        #expect(errors.all.isEmpty, "\(errors.all.prefix(3))")
        #expect(try db.read { try $0.scalar("SELECT count(*) FROM items") } == .integer(800))
        let stats = db.writerStatistics
        #expect(stats.units == 801 && stats.failedUnits == 0 && stats.commits == stats.batches, "\(stats)")
    }

    @Test func sixtyFourConcurrentWriters_AreGroupedIntoFewerTransactions() throws {
        let t = try TestDatabase(.postgres)
        let errors = ErrorLog()
        onThreads(64) { i in
            for j in 0..<20 {
                do { try t.db.write { try $0.run("INSERT INTO items (name, n) VALUES (?, ?)", [.text("\(i)-\(j)"), SQLValue(i)]) } } catch { errors.record(error) }
            }
        }
        #expect(errors.all.isEmpty, "\(errors.all.prefix(3))")
        let stats = t.db.writerStatistics
        #expect(stats.units == 1281)  // + CREATE TABLE
        #expect(stats.batches < stats.units, "units shared transactions")
        #expect(stats.largestBatch > 1 && stats.commits == stats.batches && stats.failedUnits == 0)
        #expect(try t.db.count() == 1280)
    }

    @Test func deadlockedUnit_IsRetriedAlone_AndSucceeds() throws {
        let t = try TestDatabase(.postgres)
        try t.db.write { try $0.run("INSERT INTO items (id, name, n) VALUES (1, 'a', 0), (2, 'b', 0)") }
        // Another session holds row 2. Our unit locks row 1, then waits for row 2; the other session then
        // waits for row 1. We waited first, so our deadlock check fires first and our unit is the victim
        // (40P01): the writer rolls it back to its savepoint and runs it once more, alone.
        let other = try PostgresConnection(url: t.postgres!.url)
        defer { other.close() }
        try other.run("BEGIN")
        try other.run("UPDATE items SET n = n + 10 WHERE id = 2")
        let attempts = Atomic<Int>(0)
        let holdingRowOne = DispatchSemaphore(value: 0)
        let otherDone = DispatchSemaphore(value: 0)
        let otherOutcome = Mutex<String>("")
        nonisolated(unsafe) let session = other
        Thread {
            holdingRowOne.wait()
            Thread.sleep(forTimeInterval: 0.2)  // our unit is now waiting for row 2
            do {
                try session.run("UPDATE items SET n = n + 10 WHERE id = 1")
                try session.run("COMMIT")
                otherOutcome.withLock { $0 = "committed" }
            } catch {
                otherOutcome.withLock { $0 = "\(error)" }
            }
            otherDone.signal()
        }.start()
        try t.db.write { conn in
            let attempt = attempts.add(1, ordering: .relaxed).newValue
            try conn.run("UPDATE items SET n = n + 1 WHERE id = 1")
            if attempt == 1 { holdingRowOne.signal() }
            try conn.run("UPDATE items SET n = n + 1 WHERE id = 2")
        }
        otherDone.wait()
        #expect(otherOutcome.withLock { $0 } == "committed")
        #expect(attempts.load(ordering: .relaxed) == 2, "the deadlocked unit ran once more")
        #expect(try t.db.read { try $0.query("SELECT n FROM items ORDER BY id").compactMap { $0.int("n") } } == [11, 11])
        #expect(t.db.writerStatistics.failedUnits == 0)
    }

    // MARK: - Connections

    @Test func settings_AreDurable_AndReadsAreSnapshots() throws {
        let t = try TestDatabase(.postgres)
        #expect(try t.db.write { try $0.scalar("SHOW synchronous_commit") } == "on")
        #expect(try t.db.write { try $0.scalar("SHOW statement_timeout") } == "30s")
        let read = try t.db.read { conn in
            [try conn.scalar("SHOW transaction_isolation"), try conn.scalar("SHOW transaction_read_only")]
        }
        #expect(read == ["repeatable read", "on"])
        #expect(try t.db.read { try $0.scalar("SELECT current_setting('application_name')") } == "billing-server")
        #expect(t.db.location.hasPrefix("postgres") && t.db.dialect == .postgres)
    }

    @Test func terminatedConnections_Reconnect_OnTheirOwn() throws {
        let t = try TestDatabase(.postgres)
        try t.db.write { try $0.run("INSERT INTO items (name) VALUES ('before')") }
        let admin = try PostgresConnection(url: PostgresTestCluster.url!)
        defer { admin.close() }
        let killed = try admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()",
                                     [.text(t.postgres!.name)])
        #expect(killed.count >= 2)
        Thread.sleep(forTimeInterval: 0.1)
        // The dead sessions are noticed before use and replaced: the next calls succeed.
        try t.db.write { try $0.run("INSERT INTO items (name) VALUES ('after')") }
        #expect(try t.db.count() == 2)
    }

    @Test func backup_RefusesOnPostgreSQL_NamingTheTools() throws {
        let t = try TestDatabase(.postgres)
        #expect { try t.db.backup(to: t.directory.file("copy.sqlite")) } throws: { error in
            "\(error)".contains("pg_dump")
        }
    }
}

/// `DATABASE_URL` parsing and connection failures: clear messages that never contain the password.
struct PostgresURLTests {
    func reason(_ url: String) -> String? {
        do {
            _ = try PostgresURL(url)
            return nil
        } catch { return "\(error)" }
    }

    @Test func wellFormedURLs_Parse() throws {
        let full = try PostgresURL("postgresql://billing:s%40cret@db.example.com:6432/billing?sslmode=require&application_name=api")
        #expect(full.user == "billing" && full.password == "s@cret" && full.database == "billing")
        #expect(full.hosts.map(\.host) == ["db.example.com"] && full.hosts.map(\.port) == [6432])
        #expect(full.parameters.map(\.key) == ["sslmode", "application_name"])
        #expect(full.redacted == "postgresql://billing:***@db.example.com:6432/billing?sslmode=require&application_name=api")
        let socket = try PostgresURL("postgres:///billing?host=/var/run/postgresql")
        #expect(socket.hosts.isEmpty && socket.database == "billing" && socket.serverDescription == "/var/run/postgresql/billing")
        let encoded = try PostgresURL("postgres://%2Fvar%2Frun%2Fpostgresql/billing")
        #expect(encoded.hosts.map(\.host) == ["/var/run/postgresql"])
        let v6 = try PostgresURL("postgres://u@[::1]:5433,10.0.0.2/db")
        #expect(v6.hosts.map(\.host) == ["::1", "10.0.0.2"] && v6.hosts.map(\.port) == [5433, nil] && v6.password == nil)
        #expect(try PostgresURL("postgres://u:pw@h/db?password=pw2").redacted == "postgres://u:***@h/db?password=***")
        #expect(try PostgresURL("postgres://h/db").withDatabase("other") == "postgres://h/other")
        #expect(try PostgresURL("postgres://h:1?sslmode=disable").withDatabase("x") == "postgres://h:1/x?sslmode=disable")
    }

    @Test func malformedURLs_AreRefused_WithoutEchoingThePassword() {
        #expect(reason("mysql://u:p@h/db")?.contains("postgres://") == true)
        #expect(reason("postgres://u:p@ss@h/db")?.contains("%40") == true)
        #expect(reason("postgres://h:99999/db")?.contains("port") == true)
        #expect(reason("postgres://h:abc/db")?.contains("port") == true)
        #expect(reason("postgres://h/db?sslmode=maybe")?.contains("sslmode") == true)
        #expect(reason("postgres://h/db?colour=blue")?.contains("colour") == true)
        #expect(reason("postgres://h/db?sslmode")?.contains("no value") == true)
        let badEscape = reason("postgres://u:hunter%zz2@h/db")
        #expect(badEscape?.contains("password") == true && badEscape?.contains("hunter") == false)
        #expect(reason("postgres://[::1/db")?.contains("IPv6") == true)
    }

    @Test func unreachableServer_FailsFast_AsUnavailable_WithoutThePassword() throws {
        let start = Date()
        do {
            _ = try Database(postgresURL: "postgres://billing:hunter2secret@127.0.0.1:1/billing")
            Issue.record("expected a connection failure")
        } catch let e as DatabaseError {
            #expect(e.isUnavailable)
            #expect(e.description.contains("127.0.0.1:1/billing") && e.description.contains("cannot connect"))
            #expect(!e.description.contains("hunter2secret"))
        }
        #expect(Date().timeIntervalSince(start) < 3)
    }
}
