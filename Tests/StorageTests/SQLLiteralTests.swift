import Foundation
import Storage
import Testing

/// `SQL`: values interpolated with `\(bind:)` become placeholders plus arguments, never text.
struct SQLLiteralTests {
    @Test func interpolation_BindsValues_AsPlaceholders() {
        let id = "t-1'; DROP TABLE x; --"
        let n: Int64 = 5
        let missing: String? = nil
        let q: SQL = "SELECT * FROM t WHERE id = \(bind: id) AND n > \(bind: n) AND note IS \(bind: missing)"
        #expect(q.text == "SELECT * FROM t WHERE id = ? AND n > ? AND note IS ?")
        #expect(q.arguments == [.text(id), .integer(5), .null])
        #expect(q.description == q.text, "description never shows arguments")
    }

    @Test func interpolation_SplicesFragments_ListsAndRawText() {
        let tenant: SQL = "tenant_id = \(bind: "acme")"
        let q: SQL = "SELECT \(raw: "name") FROM items WHERE \(sql: tenant) AND id IN (\(binds: [1, 2, 3])) AND flag = \(bind: true)"
        #expect(q.text == "SELECT name FROM items WHERE tenant_id = ? AND id IN (?, ?, ?) AND flag = ?")
        #expect(q.arguments == [.text("acme"), .integer(1), .integer(2), .integer(3), .integer(1)])
        let empty: SQL = "id IN (\(binds: [Int]()))"
        #expect(empty.text == "id IN (NULL)" && empty.arguments.isEmpty)
        let joined = SQL.joined(["a = \(bind: 1)", "b = \(bind: 2)"], separator: " AND ")
        #expect(joined.text == "a = ? AND b = ?" && joined.arguments == [1, 2])
        #expect(("x = \(bind: 1)" as SQL) + " AND y = \(bind: [UInt8]([9]))" == SQL("x = ? AND y = ?", [1, .blob([9])]))
    }

    @Test func connectionMethods_AcceptSQL_AndPositionalArguments() throws {
        let dir = TempDirectory()
        let db = try Database.makeWithItems(in: dir)
        let name = "it's ?"
        try db.write { conn in
            try conn.run("INSERT INTO items (name, n) VALUES (\(bind: name), \(bind: 7))")
            try conn.run("INSERT INTO items (name, n) VALUES (?, ?)", ["plain", 8])
        }
        let fragment: SQL = "n >= \(bind: 7)"
        let rows = try db.read { try $0.query("SELECT name FROM items WHERE \(sql: fragment) ORDER BY n") }
        #expect(rows.map { $0["name"] } == [.text(name), .text("plain")])
        #expect(try db.read { try $0.scalar("SELECT n FROM items WHERE name = \(bind: name)") } == 7)
        #expect(try db.read { try $0.queryOne("SELECT n FROM items WHERE name = \(bind: "nobody")") } == nil)
        #expect(db.dialect == .sqlite)
        #expect(try db.read { $0.dialect } == .sqlite)
    }
}

/// `Row.decode`: strict typed accessors that throw on a corrupt row instead of substituting defaults.
struct RowDecodingTests {
    enum Status: String, SQLDecodable, SQLEncodable { case active, closed }

    func row(_ sql: String) throws -> Row {
        let dir = TempDirectory()
        let db = try Database(path: dir.file("t.sqlite"))
        return try #require(try db.read { try $0.queryOne(sql) })
    }

    @Test func decode_ReturnsTypedValues() throws {
        let r = try row("SELECT 'x' AS s, 42 AS i, 2.5 AS d, 3.0 AS whole, 1 AS yes, 0 AS no, x'00ff' AS b, 'active' AS status, NULL AS empty")
        #expect(try r.decode(String.self, "s") == "x")
        #expect(try r.decode(Int64.self, "i") == 42 && r.decode(Int.self, "I") == 42 && r.decode(Int32.self, "i") == 42)
        #expect(try r.decode(Double.self, "d") == 2.5 && r.decode(Double.self, "i") == 42)
        #expect(try r.decode(Int64.self, "whole") == 3)
        #expect(try r.decode(Bool.self, "yes") == true && r.decode(Bool.self, "no") == false)
        #expect(try r.decode([UInt8].self, "b") == [0, 255])
        #expect(try r.decode(Status.self, "status") == .active)
        #expect(try r.decode(SQLValue.self, "i") == .integer(42))
        #expect(try r.decodeIfPresent(String.self, "empty") == nil)
        #expect(try r.decodeIfPresent(String.self, "s") == "x")
        #expect(try r.decode(Int64.self, at: 1) == 42)
        #expect(Status.closed.sqlValue == .text("closed"))
    }

    @Test func decode_Throws_NamingColumnAndFoundType() throws {
        let r = try row("SELECT 'secret-value' AS s, 2.5 AS d, 2 AS two, NULL AS empty, 'paused' AS status")
        func problem(_ body: () throws -> Any?) -> RowDecodingError? {
            do { _ = try body(); return nil } catch { return error as? RowDecodingError }
        }
        let mismatch = problem { try r.decode(Int64.self, "s") }
        #expect(mismatch == RowDecodingError(column: "s", expected: "Int64", problem: .typeMismatch(found: "text")))
        #expect(mismatch?.description == "corrupt row: column s holds text (expected Int64)")
        #expect(mismatch.map { !$0.description.contains("secret-value") } == true)
        #expect(problem { try r.decode(Int64.self, "d") }?.problem == .typeMismatch(found: "real"), "2.5 is not an integer")
        #expect(problem { try r.decode(Bool.self, "two") }?.problem == .typeMismatch(found: "integer"), "a flag is 0 or 1")
        #expect(problem { try r.decode(String.self, "empty") }?.problem == .unexpectedNull)
        #expect(problem { try r.decode(String.self, "absent") }?.problem == .missingColumn)
        #expect(problem { try r.decodeIfPresent(String.self, "absent") }?.problem == .missingColumn)
        #expect(problem { try r.decode(Status.self, "status") }?.problem == .typeMismatch(found: "text"))
        #expect(problem { try r.decode(Int32.self, at: 9) }?.column == "#9")
    }
}
