import Foundation
@testable import Storage
import Testing

struct ConnectionTests {
    @Test func values_RoundTrip_ForEveryStorageClass() throws {
        let dir = TempDirectory()
        let db = try Database(path: dir.file("t.sqlite"))
        let values: [SQLValue] = [
            .null, .integer(Int64.max), .integer(Int64.min), .integer(0), .real(3.25), .real(-0.0),
            .text(""), .text("héllo ✓ \u{0}nul"), .blob([]), .blob([0, 1, 2, 255]),
        ]
        let back = try db.write { conn -> [SQLValue] in
            try conn.execute("CREATE TABLE v (i INTEGER PRIMARY KEY, x)")  // no affinity: kept as given
            for (i, v) in values.enumerated() { try conn.run("INSERT INTO v (i, x) VALUES (?, ?)", [SQLValue(i), v]) }
            return try conn.query("SELECT x FROM v ORDER BY i").map { $0["x"] }
        }
        #expect(back == values)
    }

    @Test func literalsAndConveniences_MapToExpectedCases() {
        let lits: [SQLValue] = [1, "a", nil, 1.5, true, false]
        #expect(lits == [.integer(1), .text("a"), .null, .real(1.5), .integer(1), .integer(0)])
        #expect(SQLValue(Optional<String>.none) == .null)
        #expect(SQLValue(Optional<[UInt8]>.some([7])) == .blob([7]))
        #expect(SQLValue(Int(5)) == .integer(5))
    }

    @Test func row_ReadsByNameAndIndex_WithTypedAccessors() throws {
        let dir = TempDirectory()
        let db = try Database(path: dir.file("t.sqlite"))
        let row = try db.read { conn in
            try conn.queryOne("SELECT 9223372036854775807 AS big, 'x' AS s, 2.5 AS d, x'0102' AS b, 1 AS flag, NULL AS absentValue")
        }
        let r = try #require(row)
        #expect(r.columns == ["big", "s", "d", "b", "flag", "absentValue"])
        #expect(r.int("big") == Int64.max)
        #expect(r.string("s") == "x")
        #expect(r.double("d") == 2.5)
        #expect(r.blob("b") == [1, 2])
        #expect(r.bool("flag") == true)
        #expect(r["absentValue"] == .null && r.int("absentValue") == nil)
        #expect(r["absent"] == .null)
        #expect(r["BIG"] == .integer(Int64.max))  // SQLite names are case-insensitive
        #expect(r[1] == .text("x") && r[99] == .null)
    }

    @Test(arguments: TestBackend.available) func scalarAndQueryOne_ReturnNull_WhenNoRow(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        let (value, row) = try db.read { conn in
            (try conn.scalar("SELECT n FROM items"), try conn.queryOne("SELECT n FROM items"))
        }
        #expect(value == .null)
        #expect(row == nil)
    }

    @Test(arguments: TestBackend.available) func error_CarriesMessageAndSQL_ButNotArguments(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        do {
            _ = try db.read { try $0.query("SELEC 1") }
            Issue.record("expected a syntax error")
        } catch let e as DatabaseError {
            #expect(e.code == 1)
            #expect(e.message.contains("syntax error"))
            #expect(e.sql == "SELEC 1")
        }
        try db.write { try $0.run("INSERT INTO items (name) VALUES (?)", ["secret-token-123"]) }
        do {
            try db.write { try $0.run("INSERT INTO items (name) VALUES (?)", ["secret-token-123"]) }
            Issue.record("expected a unique violation")
        } catch let e as DatabaseError {
            #expect(e.isUniqueViolation && e.isConstraintViolation && !e.isForeignKeyViolation)
            #expect(ResultCode.constraint ~= e.resultCode)
            #expect(e.message.contains(backend == .sqlite ? "UNIQUE constraint failed: items.name" : "unique constraint \"items_name_key\""))
            #expect(e.sql == "INSERT INTO items (name) VALUES (?)")
            #expect(!e.description.contains("secret-token-123"))
        }
    }

    @Test(arguments: TestBackend.available) func run_Throws_OnArgumentCountMismatchOrSeveralStatements(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        #expect(throws: DatabaseError.self) { try db.write { try $0.run("INSERT INTO items (name) VALUES (?)") } }
        #expect(throws: DatabaseError.self) { try db.write { try $0.run("SELECT 1; SELECT 2") } }
        try db.write { try $0.run("SELECT 1; -- trailing comment is fine\n") }
    }

    @Test(arguments: TestBackend.available) func execute_NamesTheFailingStatement_InAScript(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend, items: false)
        let db = t.db
        do {
            try db.write { try $0.execute("CREATE TABLE a (x INTEGER);\n INSERT INTO nope VALUES (1);\n CREATE TABLE b (y INTEGER)") }
            Issue.record("expected failure")
        } catch let e as DatabaseError {
            #expect(e.sql == "INSERT INTO nope VALUES (1);")
            #expect(e.message.contains(backend == .sqlite ? "no such table: nope" : "relation \"nope\" does not exist"))
        }
        // The failing unit rolled back alone: table a was not kept.
        let exists = backend == .sqlite ? "SELECT count(*) FROM sqlite_master WHERE name = 'a'" : "SELECT count(*) FROM pg_tables WHERE tablename = 'a'"
        #expect(try db.read { try $0.scalar(exists) } == 0)
    }

    @Test(arguments: TestBackend.available) func statementCache_ReusesPreparedStatement_ForSameSQL(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        @Sendable func prepareCount(_ conn: Connection) -> Int {
            (conn as? SQLiteConnection)?.prepareCount ?? (conn as! PostgresConnection).prepareCount
        }
        let prepared = try db.write { conn -> Int in
            let before = prepareCount(conn)
            for i in 0..<50 { try conn.run("INSERT INTO items (n) VALUES (?)", [SQLValue(i)]) }
            return prepareCount(conn) - before
        }
        #expect(prepared == 1)
        // Nested use of the same SQL while it is being stepped gets its own statement.
        let pairs = try db.read { conn -> Int in
            var pairs = 0
            try conn.forEachRow("SELECT n FROM items WHERE n < ?", [3]) { _ in
                pairs += try conn.query("SELECT n FROM items WHERE n < ?", [3]).count
            }
            return pairs
        }
        #expect(pairs == 9)
    }

    @Test(arguments: TestBackend.available) func savepoint_RollsBackOnlyItsBody_WhenItThrows(_ backend: TestBackend) throws {
        struct Boom: Error {}
        let t = try TestDatabase(backend)
        let db = t.db
        try db.write { conn in
            try conn.run("INSERT INTO items (name) VALUES ('kept')")
            _ = try? conn.savepoint {
                try conn.run("INSERT INTO items (name) VALUES ('dropped')")
                throw Boom()
            }
            try conn.savepoint { try conn.run("INSERT INTO items (name) VALUES ('nested')") }
        }
        let names = try db.read { try $0.query("SELECT name FROM items ORDER BY id").compactMap { $0.string("name") } }
        #expect(names == ["kept", "nested"])
        if backend == .sqlite { #expect(try db.write { ($0 as! SQLiteConnection).lastInsertRowID } == 2) }
    }

    @Test func pragmas_AreOn_ForWriterAndReaders() throws {
        let dir = TempDirectory()
        let db = try Database.makeWithItems(in: dir)
        let writer = try db.write { conn in
            [try conn.scalar("PRAGMA journal_mode"), try conn.scalar("PRAGMA synchronous"),
             try conn.scalar("PRAGMA foreign_keys"), try conn.scalar("PRAGMA temp_store"), try conn.scalar("PRAGMA cache_size")]
        }
        #expect(writer == [.text("wal"), .integer(2), .integer(1), .integer(2), .integer(-65536)])
        let reader = try db.read { conn in [try conn.scalar("PRAGMA journal_mode"), try conn.scalar("PRAGMA query_only")] }
        #expect(reader == [.text("wal"), .integer(1)])
        #expect(throws: DatabaseError.self) { try db.read { try $0.run("INSERT INTO items (name) VALUES ('x')") } }
    }

    @Test(arguments: TestBackend.available) func foreignKeys_AreEnforced(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend, items: false)
        let db = t.db
        try db.write { try $0.execute("CREATE TABLE p (id BIGINT PRIMARY KEY); CREATE TABLE c (p BIGINT REFERENCES p(id))") }
        do {
            try db.write { try $0.run("INSERT INTO c (p) VALUES (42)") }
            Issue.record("expected a foreign key violation")
        } catch let e as DatabaseError {
            #expect(e.isForeignKeyViolation)
        }
    }
}
