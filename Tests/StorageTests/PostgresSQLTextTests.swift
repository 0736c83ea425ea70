@testable import Storage
import Testing

/// The `?` → `$n` renderer and the script splitter of the PostgreSQL backend (no server needed).
struct PostgresSQLTextTests {
    func render(_ sql: String) -> String { PostgresSQLText.renderPlaceholders(sql).text }

    @Test func placeholders_AreNumbered_OutsideLiteralsAndComments() {
        #expect(render("SELECT * FROM t WHERE a = ? AND b IN (?, ?)") == "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)")
        #expect(PostgresSQLText.renderPlaceholders("INSERT INTO t VALUES (?, ?, ?)").count == 3)
        #expect(render("SELECT '?', 'it''s ?', ? FROM t") == "SELECT '?', 'it''s ?', $1 FROM t")
        #expect(render(#"SELECT "odd?name", ? FROM "t""?""#) == #"SELECT "odd?name", $1 FROM "t""?""#)
        #expect(render(#"SELECT E'\'?', e'\\', ?"#) == #"SELECT E'\'?', e'\\', $1"#)
        #expect(render("SELECT ? -- is $1 a ? here\n, ?") == "SELECT $1 -- is $1 a ? here\n, $2")
        #expect(render("SELECT /* ? /* nested ? */ still ? */ ?") == "SELECT /* ? /* nested ? */ still ? */ $1")
        #expect(render("SELECT $$ ? $$, $fn$ it's ? $x$ $fn$, ?") == "SELECT $$ ? $$, $fn$ it's ? $x$ $fn$, $1")
        #expect(render("SELECT ?::text, ?::bigint || 'x'::text, a::int") == "SELECT $1::text, $2::bigint || 'x'::text, a::int")
        #expect(render("SELECT price$ , ?") == "SELECT price$ , $1", "a $ inside an identifier opens no quote")
        #expect(render("SELECT 'unterminated ?") == "SELECT 'unterminated ?")
        #expect(render("SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?") .hasSuffix("$10, $11"))
        #expect(render("SELECT 'héllo ✓ ?', ?") == "SELECT 'héllo ✓ ?', $1")
    }

    @Test func statements_SplitAtTopLevelSemicolons_DroppingCommentOnlyPieces() {
        let script = """
            CREATE TABLE a (x TEXT DEFAULT ';');
            -- a comment; with a semicolon
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
            INSERT INTO "we;ird" VALUES (E'\\';');
            /* only a comment; */
            SELECT 1
            """
        #expect(PostgresSQLText.statements(in: script) == [
            "CREATE TABLE a (x TEXT DEFAULT ';');",
            "-- a comment; with a semicolon\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;",
            #"INSERT INTO "we;ird" VALUES (E'\';');"#,
            "/* only a comment; */\nSELECT 1",
        ])
        #expect(PostgresSQLText.statements(in: "SELECT 1; -- trailing\n").count == 1)
        #expect(PostgresSQLText.statements(in: "  \n -- nothing\n").isEmpty)
    }
}
