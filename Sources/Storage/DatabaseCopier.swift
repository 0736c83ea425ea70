import Foundation

/// Copies a SQLite `Database` into an empty PostgreSQL `Database`: the schema through the PostgreSQL
/// migrations, then every row of every table with the same ids (`billing-server copy-database --to …`).
///
/// ```swift
/// let report = try DatabaseCopier(source: sqlite, target: postgres, migrationsDirectory: "migrations").copy()
/// print(report.summary)   // one line per table: source rows, target rows
/// ```
///
/// What it does, in order:
/// 1. **Dry run** of `migrations/postgres/` in one transaction on the target, in the session's temporary
///    schema (`SET LOCAL search_path TO pg_temp`), rolled back: the tables, columns, types and foreign keys
///    of a migrated target, and the rows the migrations themselves insert (the plan catalog).
/// 2. **Refusals, nothing written**: the source's migrations differ from the PostgreSQL ones; the source has
///    a table the target schema lacks (or lacks one it has), or a table's columns differ; a column type it
///    does not convert; the target's `schema_migrations` records a migration that is not in the directory;
///    a table of the target has rows (other than exactly the rows the migrations insert).
/// 3. **Migrations**: `Database.migrate` (the runner of `billing-server migrate`).
/// 4. **Copy, one PostgreSQL transaction**: every table locked (`EXCLUSIVE`, `NOWAIT`), the checks of 2
///    repeated under the lock, the migrations' seed rows replaced by the source's, then each table in
///    foreign-key order (parents first) read from **one SQLite read transaction** — one snapshot, so a
///    server writing the file meanwhile is harmless — and inserted by multi-row `INSERT`s of
///    `rowsPerStatement` rows with bind values. Each value is checked against its target column's type:
///    SQLite integers go to integer columns, text to text columns; anything else (text in a BIGINT column,
///    a blob in a TEXT column, NULL in a NOT NULL column, text holding NUL) is a `DatabaseCopyError` naming
///    the table, column and row key — never a cast — and the transaction is rolled back; so is a batch
///    PostgreSQL refuses (a constraint SQLite lacks), named by its first and last row keys. Identity and
///    serial columns get their sequence moved to the copied maximum (`setval`). The target's row counts
///    must equal the rows read, or the copy rolls back. One transaction rather than one per few thousand
///    rows: whatever row fails, the target is left empty and the command can run again; an insert-only
///    transaction costs PostgreSQL nothing beyond the WAL it writes anyway.
/// 5. **Verification** after COMMIT, from a fresh read of each database: the row count of every table.
///
/// A failure before step 3 leaves the target untouched; one during step 4 leaves it migrated and empty,
/// so the command can simply be run again.
public struct DatabaseCopier: Sendable {
    public let source: Database
    public let target: Database
    /// The directory of the SQLite migrations; the PostgreSQL ones are its `postgres/` subdirectory.
    public let migrationsDirectory: String
    /// Rows per `INSERT` statement (fewer for wide tables: a statement binds at most 30,000 values).
    public var rowsPerStatement = 500

    public init(source: Database, target: Database, migrationsDirectory: String) {
        self.source = source
        self.target = target
        self.migrationsDirectory = migrationsDirectory
    }

    /// Runs the whole copy (see the type comment) and returns the per-table counts.
    /// Throws `DatabaseCopyError` for a refusal or a value that does not fit, `MigrationError` or
    /// `DatabaseError` otherwise.
    public func copy() throws -> DatabaseCopyReport {
        guard source.dialect == .sqlite, target.dialect == .postgres else {
            throw DatabaseCopyError(.unsupportedBackends, "copy-database copies a SQLite database into a PostgreSQL database")
        }
        let runner = MigrationRunner(dialect: .postgres)
        let files = try MigrationFile.load(directory: runner.directory(in: migrationsDirectory))
        let copier = self

        // 1. What a migrated target looks like, without migrating it.
        let expected = try target.writeWithoutTransaction { conn in try CopyProbe.run(conn, files: files) }

        // 2. Refusals while nothing is written.
        let plan = try source.read { src in try CopyPlan.make(src, expected: expected.schema, files: files) }
        try target.read { conn in
            try TargetCheck.migrations(conn, files: files)
            try TargetCheck.empty(conn, seeds: expected.seeds, order: plan.order)
        }

        // 3. The schema.
        let applied = try target.migrate(directory: migrationsDirectory)

        // 4. The rows, in one transaction on the target and one snapshot of the source.
        let copied = try target.writeWithoutTransaction { conn in
            try copier.copyRows(conn, expected: expected, files: files)
        }

        // 5. Counts from fresh reads.
        let targetCounts = try target.read { conn in try copied.tables.map { try CopyPlan.count(conn, $0.table) } }
        var tables: [DatabaseCopyReport.TableCount] = []
        for (i, t) in copied.tables.enumerated() {
            tables.append(.init(table: t.table, sourceRows: t.sourceRows, targetRows: targetCounts[i]))
        }
        return DatabaseCopyReport(appliedMigrations: applied, tables: tables, sequences: copied.sequences)
    }

    private struct Copied: Sendable {
        var tables: [(table: String, sourceRows: Int64)] = []
        var sequences: [DatabaseCopyReport.SequenceMove] = []
    }

    /// Step 4, on the target's writer connection.
    private func copyRows(_ conn: Connection, expected: CopyProbe.Result, files: [MigrationFile]) throws -> Copied {
        try conn.execute("BEGIN")
        defer { if conn.isInTransaction { _ = try? conn.execute("ROLLBACK") } }
        // Counting a large table may take a while; the lock below does not wait.
        try conn.execute("SET LOCAL statement_timeout = 0")
        let schemaName = try conn.scalar("SELECT current_schema()").stringValue ?? "public"
        let schema = try TargetSchema.read(conn, schemaName: schemaName)
        let copier = self
        let copied = try source.read { src -> Copied in
            let plan = try CopyPlan.make(src, expected: schema, files: files)
            // No other session writes the target until COMMIT; one already using it makes this fail at once.
            do {
                if !plan.order.isEmpty {
                    try conn.execute("LOCK TABLE \(plan.order.map(quoteIdentifier).joined(separator: ", ")) IN EXCLUSIVE MODE NOWAIT")
                }
            } catch let error as DatabaseError where error.sqlState == "55P03" {
                throw DatabaseCopyError(.targetInUse, "the target's tables are in use by another session (is a server running on it?); stop it and run copy-database again")
            }
            try TargetCheck.migrations(conn, files: files)
            try TargetCheck.empty(conn, seeds: expected.seeds, order: plan.order)
            try conn.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in plan.order where expected.seeds[table] != nil {
                try conn.run(SQL("DELETE FROM \(raw: quoteIdentifier(table))"))
            }
            var result = Copied()
            for name in plan.order {
                let rows = try copier.copyTable(plan.tables[name]!, target: schema.tables[name]!, from: src, to: conn)
                let sourceRows = try CopyPlan.count(src, name)
                let targetRows = try CopyPlan.count(conn, name)
                guard rows == sourceRows, targetRows == sourceRows else {
                    throw DatabaseCopyError(.countMismatch, "table \(name): read \(rows) of \(sourceRows) rows from SQLite, PostgreSQL holds \(targetRows); nothing was kept", table: name)
                }
                result.tables.append((name, sourceRows))
            }
            for name in plan.order {
                for column in schema.tables[name]!.columns where column.isSerial {
                    guard let max = try conn.scalar(SQL("SELECT max(\(raw: quoteIdentifier(column.name))) FROM \(raw: quoteIdentifier(name))")).int64Value,
                          max >= 1 else { continue }
                    try conn.run("SELECT setval(pg_get_serial_sequence(?, ?), ?)", [.text(quoteIdentifier(name)), .text(column.name), .integer(max)])
                    result.sequences.append(.init(table: name, column: column.name, value: max))
                }
            }
            return result
        }
        try conn.execute("COMMIT")
        return copied
    }

    /// Streams one table from SQLite into PostgreSQL in multi-row INSERTs; returns the rows copied.
    private func copyTable(_ table: SourceTable, target: TargetSchema.Table, from src: Connection, to conn: Connection) throws -> Int64 {
        let columns = target.columns
        let quoted = columns.map { quoteIdentifier($0.name) }
        let withRowid = table.primaryKey.isEmpty
        let select = "SELECT \(quoted.joined(separator: ", "))\(withRowid ? ", _rowid_" : "") FROM \(quoteIdentifier(table.name))"
        let perStatement = max(1, min(rowsPerStatement, 30_000 / columns.count))
        let tuple = "(" + columns.map { "?::\($0.kind.cast)" }.joined(separator: ", ") + ")"
        let head = "INSERT INTO \(quoteIdentifier(table.name)) (\(quoted.joined(separator: ", ")))"
            + (columns.contains { $0.isIdentity } ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES "
        var fullText: String?
        var values: [SQLValue] = []
        values.reserveCapacity(perStatement * columns.count)
        var pending = 0
        var copied: Int64 = 0
        var batch: (first: Row, last: Row)?
        func key(_ row: Row) -> String { withRowid ? "rowid \(row[columns.count])" : table.describeKey(row) }
        func flush() throws {
            guard pending > 0, let rows = batch else { return }
            let text: String
            if pending == perStatement, let fullText { text = fullText } else {
                text = head + Array(repeating: tuple, count: pending).joined(separator: ", ")
                if pending == perStatement { fullText = text }
            }
            do {
                try conn.run(SQL(text, values))
            } catch let error as DatabaseError {
                // Named by table and rows; the statement itself (hundreds of placeholders) is left out.
                let state = error.sqlState.map { "PostgreSQL error \($0): " } ?? ""
                let span = pending == 1 ? "row \(key(rows.first))" : "one of the \(pending) rows from \(key(rows.first)) to \(key(rows.last))"
                throw DatabaseCopyError(.rowsRefused, "table \(table.name), \(span): \(state)\(error.message); nothing was copied", table: table.name)
            }
            values.removeAll(keepingCapacity: true)
            pending = 0
            batch = nil
        }
        try src.forEachRow(SQL(select)) { row in
            for (i, column) in columns.enumerated() {
                do {
                    values.append(try column.convert(row[i]))
                } catch let reason as ValueMismatch {
                    throw DatabaseCopyError(.valueDoesNotFit, "table \(table.name), column \(column.name), row \(key(row)): \(reason.text); nothing was copied",
                                            table: table.name)
                }
            }
            batch = (batch?.first ?? row, row)
            pending += 1
            copied += 1
            if pending == perStatement { try flush() }
        }
        try flush()
        return copied
    }
}

/// What `DatabaseCopier.copy` did: the migrations it applied, each table's row counts, the sequences it moved.
public struct DatabaseCopyReport: Sendable {
    public struct TableCount: Sendable, Equatable {
        public let table: String
        public let sourceRows: Int64
        public let targetRows: Int64
        public var matches: Bool { sourceRows == targetRows }
    }

    /// An identity or serial column whose sequence now continues after `value`.
    public struct SequenceMove: Sendable, Hashable {
        public let table: String
        public let column: String
        public let value: Int64
    }

    public let appliedMigrations: [AppliedMigration]
    /// In copy order (parents before children).
    public let tables: [TableCount]
    public let sequences: [SequenceMove]

    /// True when every table's target count equals its source count.
    public var allCountsMatch: Bool { tables.allSatisfy(\.matches) }
    public var totalRows: Int64 { tables.reduce(0) { $0 + $1.targetRows } }

    /// The per-table summary printed by `copy-database`.
    public var summary: String {
        let width = max(5, tables.map(\.table.count).max() ?? 0)
        func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return left ? s + fill : fill + s
        }
        let numbers = max(6, tables.map { String(max($0.sourceRows, $0.targetRows)).count }.max() ?? 0)
        var lines = [pad("table", width, left: true) + "  " + pad("source", numbers) + "  " + pad("target", numbers)]
        for t in tables {
            lines.append(pad(t.table, width, left: true) + "  " + pad(String(t.sourceRows), numbers) + "  " + pad(String(t.targetRows), numbers)
                         + (t.matches ? "" : "  MISMATCH"))
        }
        for s in sequences { lines.append("sequence of \(s.table).\(s.column) continues after \(s.value)") }
        let mismatches = tables.filter { !$0.matches }.map(\.table)
        lines.append(mismatches.isEmpty
            ? "copied \(totalRows) rows in \(tables.count) tables; every table's row count matches"
            : "row counts differ in \(mismatches.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }
}

/// Why `DatabaseCopier.copy` refused or stopped; the message names the table (and column and row) concerned.
public struct DatabaseCopyError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case unsupportedBackends
        /// The source's migrations, tables or columns are not the target schema's.
        case schemaMismatch
        /// The target holds rows, or migrations this build does not have.
        case targetNotEmpty
        /// Another session holds a lock on a target table.
        case targetInUse
        /// A source value does not fit its target column's type.
        case valueDoesNotFit
        /// PostgreSQL refused a batch of rows (a constraint the SQLite schema does not have).
        case rowsRefused
        case countMismatch
        /// The foreign keys form a cycle, so no table order satisfies them.
        case cannotOrder
    }

    public let kind: Kind
    public let message: String
    /// The table concerned, when there is one.
    public let table: String?

    init(_ kind: Kind, _ message: String, table: String? = nil) {
        self.kind = kind
        self.message = message
        self.table = table
    }

    public var description: String { message }
}

// MARK: - The target's schema

/// Tables, columns and foreign keys of one PostgreSQL schema, from the catalogs.
struct TargetSchema: Sendable {
    struct Column: Sendable {
        let name: String
        let kind: ColumnKind
        let dataType: String
        let nullable: Bool
        /// `GENERATED … AS IDENTITY`.
        let isIdentity: Bool
        /// Identity or serial (`nextval` default): its sequence follows the copied maximum.
        let isSerial: Bool

        /// `value` as bound for this column, or why it does not fit.
        func convert(_ value: SQLValue) throws -> SQLValue {
            if case .null = value {
                guard nullable else { throw ValueMismatch("NULL in a NOT NULL column") }
                return .null
            }
            return try kind.convert(value, dataType: dataType)
        }
    }

    struct Table: Sendable {
        let name: String
        var columns: [Column]
        /// Tables its foreign keys reference (itself excluded).
        var parents: Set<String>
    }

    let name: String
    /// User tables; `schema_migrations` is left out.
    let tables: [String: Table]
    /// Columns whose type `ColumnKind` cannot convert, as `table.column (type)`.
    let unsupported: [String]

    static func read(_ conn: Connection, schemaName: String) throws -> TargetSchema {
        var tables: [String: Table] = [:]
        for row in try conn.query("""
            SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type IN ('BASE TABLE', 'LOCAL TEMPORARY')
            """, [.text(schemaName)]) {
            let name = try row.decode(String.self, "table_name")
            if name != "schema_migrations" { tables[name] = Table(name: name, columns: [], parents: []) }
        }
        var unsupported: [String] = []
        for row in try conn.query("""
            SELECT table_name, column_name, data_type, is_nullable, is_identity, column_default
              FROM information_schema.columns WHERE table_schema = ? ORDER BY table_name, ordinal_position
            """, [.text(schemaName)]) {
            let table = try row.decode(String.self, "table_name")
            guard tables[table] != nil else { continue }
            let name = try row.decode(String.self, "column_name")
            let dataType = try row.decode(String.self, "data_type")
            let identity = row.string("is_identity") == "YES"
            let serial = identity || (row.string("column_default")?.hasPrefix("nextval(") ?? false)
            guard let kind = ColumnKind(dataType: dataType) else {
                unsupported.append("\(table).\(name) (\(dataType))")
                continue
            }
            tables[table]!.columns.append(Column(name: name, kind: kind, dataType: dataType, nullable: row.string("is_nullable") == "YES",
                                                 isIdentity: identity, isSerial: serial))
        }
        for row in try conn.query("""
            SELECT child.relname AS child, parent.relname AS parent
              FROM pg_constraint c
              JOIN pg_class child ON child.oid = c.conrelid
              JOIN pg_class parent ON parent.oid = c.confrelid
              JOIN pg_namespace n ON n.oid = child.relnamespace
             WHERE c.contype = 'f' AND n.nspname = ?
            """, [.text(schemaName)]) {
            let child = try row.decode(String.self, "child"), parent = try row.decode(String.self, "parent")
            if child != parent, tables[child] != nil { tables[child]!.parents.insert(parent) }
        }
        return TargetSchema(name: schemaName, tables: tables, unsupported: unsupported.sorted())
    }
}

/// The PostgreSQL column types the copier converts to, and the SQLite storage classes each accepts.
enum ColumnKind: Sendable {
    case integer(min: Int64, max: Int64, cast: String)
    case text(cast: String)
    case real(cast: String)
    case numeric
    case bytea
    case boolean

    init?(dataType: String) {
        switch dataType {
        case "bigint": self = .integer(min: .min, max: .max, cast: "bigint")
        case "integer": self = .integer(min: Int64(Int32.min), max: Int64(Int32.max), cast: "integer")
        case "smallint": self = .integer(min: Int64(Int16.min), max: Int64(Int16.max), cast: "smallint")
        case "text": self = .text(cast: "text")
        case "character varying": self = .text(cast: "varchar")
        case "double precision": self = .real(cast: "float8")
        case "real": self = .real(cast: "float4")
        case "numeric": self = .numeric
        case "bytea": self = .bytea
        case "boolean": self = .boolean
        default: return nil
        }
    }

    /// The cast written after each placeholder, so NULLs and every batch type alike.
    var cast: String {
        switch self {
        case .integer(_, _, let c), .text(let c), .real(let c): return c
        case .numeric: return "numeric"
        case .bytea: return "bytea"
        case .boolean: return "boolean"
        }
    }

    /// `value` (not NULL) as bound for a column of this kind; throws `ValueMismatch` when it does not fit.
    func convert(_ value: SQLValue, dataType: String) throws -> SQLValue {
        let found = value.storageClass
        switch (self, value) {
        case (.integer(let lo, let hi, _), .integer(let v)):
            guard v >= lo && v <= hi else { throw ValueMismatch("holds an integer out of range for \(dataType)") }
            return value
        case (.text, .text(let s)):
            guard !s.utf8.contains(0) else { throw ValueMismatch("holds text with a NUL character, which PostgreSQL text cannot store") }
            return value
        case (.real, .real), (.numeric, .integer), (.bytea, .blob):
            return value
        case (.numeric, .real(let d)), (.real, .real(let d)) where d.isFinite:
            return .real(d)
        case (.real, .integer(let v)):
            guard let d = Double(exactly: v) else { throw ValueMismatch("holds an integer that \(dataType) cannot represent exactly") }
            return .real(d)
        case (.boolean, .integer(let v)) where v == 0 || v == 1:
            return .text(v == 1 ? "true" : "false")
        default:
            let what = ["integer": "an integer", "real": "a real", "text": "text", "blob": "a blob"][found] ?? found
            throw ValueMismatch("holds \(what), which does not fit its PostgreSQL type \(dataType)")
        }
    }
}

/// Why one value does not fit its column (the value itself is never quoted).
struct ValueMismatch: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

// MARK: - Dry run of the migrations

/// Runs every PostgreSQL migration in the session's temporary schema inside a transaction that is rolled
/// back: the schema a migrated target will have, and the rows the migrations insert, with nothing written.
enum CopyProbe {
    /// The rows a migration inserted into one table, by column name.
    struct Seed: Sendable {
        let columns: [String]
        let rows: [[SQLValue]]
    }

    struct Result: Sendable {
        let schema: TargetSchema
        /// Table → its rows after migrating an empty database (the plan catalog).
        let seeds: [String: Seed]
    }

    static func run(_ conn: Connection, files: [MigrationFile]) throws -> Result {
        try conn.execute("BEGIN")
        defer { if conn.isInTransaction { _ = try? conn.execute("ROLLBACK") } }
        // Without the statement timeout, as `migrate` runs them.
        try conn.execute("SET LOCAL statement_timeout = 0")
        try conn.execute("SET LOCAL search_path TO pg_temp")
        for f in files {
            do {
                try conn.execute(f.sql)
            } catch let error as DatabaseError {
                throw MigrationError.failed(version: f.version, name: f.name, underlying: error)
            }
        }
        guard let schemaName = try conn.scalar("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()").stringValue else {
            throw DatabaseCopyError(.schemaMismatch, "the PostgreSQL migrations created no table")
        }
        let schema = try TargetSchema.read(conn, schemaName: schemaName)
        if let first = schema.unsupported.first {
            throw DatabaseCopyError(.schemaMismatch, "column \(first) of the PostgreSQL schema has a type copy-database does not convert")
        }
        var seeds: [String: Seed] = [:]
        for table in schema.tables.values {
            let names = table.columns.map(\.name)
            let columns = names.map(quoteIdentifier).joined(separator: ", ")
            let rows = try conn.query(SQL("SELECT \(raw: columns) FROM \(raw: quoteIdentifier(schemaName)).\(raw: quoteIdentifier(table.name))"))
            if !rows.isEmpty { seeds[table.name] = Seed(columns: names, rows: rows.map(\.values)) }
        }
        try conn.execute("ROLLBACK")
        return Result(schema: schema, seeds: seeds)
    }
}

// MARK: - The source and the checks

/// One SQLite table: its columns and primary key (to name a row in messages).
struct SourceTable: Sendable {
    let name: String
    let columns: [String]
    let primaryKey: [String]

    /// `id 0190…`, or `(a, b) (x, y)` for a composite key, from a row selected in the target's column order.
    func describeKey(_ row: Row) -> String {
        let values = primaryKey.map { column -> String in
            switch row[column] {
            case .integer(let v): return String(v)
            case .text(let s): return s
            case let other: return "(\(other.storageClass))"
            }
        }
        if primaryKey.count == 1 { return "\(primaryKey[0]) \(values[0])" }
        return "(\(primaryKey.joined(separator: ", "))) (\(values.joined(separator: ", ")))"
    }
}

/// The source's tables checked against the target schema, in the order they are copied.
struct CopyPlan: Sendable {
    let tables: [String: SourceTable]
    /// Parents before children.
    let order: [String]

    /// Reads the source's schema and refuses when it is not `expected` (migrations, tables, columns).
    static func make(_ src: Connection, expected: TargetSchema, files: [MigrationFile]) throws -> CopyPlan {
        let runner = MigrationRunner(dialect: .sqlite)
        let applied = try runner.tableExists(src) ? try runner.applied(src) : []
        let have = applied.map { MigrationFile.fileName($0.version, $0.name) }
        let want = files.map { MigrationFile.fileName($0.version, $0.name) }
        if have != want {
            let missing = want.filter { !have.contains($0) }, extra = have.filter { !want.contains($0) }
            var reasons: [String] = []
            if !missing.isEmpty { reasons.append("it lacks \(missing.joined(separator: ", ")) (run `billing-server migrate` on it first, without DATABASE_URL)") }
            if !extra.isEmpty { reasons.append("it records \(extra.joined(separator: ", ")), which migrations/postgres/ does not have") }
            throw DatabaseCopyError(.schemaMismatch, "the SQLite database's migrations are not the PostgreSQL ones: \(reasons.joined(separator: "; "))")
        }

        var tables: [String: SourceTable] = [:]
        for row in try src.query("""
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_migrations'
            ORDER BY name
            """) {
            let name = try row.decode(String.self, "name")
            let info = try src.query("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", [.text(name)])
            let columns = try info.map { try $0.decode(String.self, "name") }
            let key = info.filter { ($0.int("pk") ?? 0) > 0 }.sorted { ($0.int("pk") ?? 0) < ($1.int("pk") ?? 0) }.compactMap { $0.string("name") }
            tables[name] = SourceTable(name: name, columns: columns, primaryKey: key)
        }
        for name in tables.keys.sorted() where expected.tables[name] == nil {
            throw DatabaseCopyError(.schemaMismatch, "the SQLite database has a table \(name) that the PostgreSQL schema lacks; nothing was copied", table: name)
        }
        for name in expected.tables.keys.sorted() where tables[name] == nil {
            throw DatabaseCopyError(.schemaMismatch, "the PostgreSQL schema has a table \(name) that the SQLite database lacks; nothing was copied", table: name)
        }
        for name in tables.keys.sorted() {
            let have = Set(tables[name]!.columns), want = Set(expected.tables[name]!.columns.map(\.name))
            guard have == want else {
                var parts: [String] = []
                let onlySource = have.subtracting(want).sorted(), onlyTarget = want.subtracting(have).sorted()
                if !onlySource.isEmpty { parts.append("only in SQLite: \(onlySource.joined(separator: ", "))") }
                if !onlyTarget.isEmpty { parts.append("only in PostgreSQL: \(onlyTarget.joined(separator: ", "))") }
                throw DatabaseCopyError(.schemaMismatch, "the columns of table \(name) differ (\(parts.joined(separator: "; "))); nothing was copied", table: name)
            }
        }
        return CopyPlan(tables: tables, order: try order(expected.tables.values.filter { tables[$0.name] != nil }))
    }

    /// Parents before children (alphabetical among tables that are ready); a cycle cannot be ordered.
    static func order(_ tables: [TargetSchema.Table]) throws -> [String] {
        var remaining = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0.parents.intersection(tables.map(\.name))) })
        var order: [String] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.value.isEmpty }.keys.sorted()
            guard !ready.isEmpty else {
                throw DatabaseCopyError(.cannotOrder, "the foreign keys of tables \(remaining.keys.sorted().joined(separator: ", ")) form a cycle; copy-database cannot order them")
            }
            for name in ready {
                order.append(name)
                remaining[name] = nil
            }
            for name in remaining.keys { remaining[name]!.subtract(ready) }
        }
        return order
    }

    static func count(_ conn: Connection, _ table: String) throws -> Int64 {
        try conn.scalar(SQL("SELECT count(*) FROM \(raw: quoteIdentifier(table))")).int64Value ?? 0
    }
}

/// The target must be empty: no rows but the migrations' own, and no migration this build lacks.
enum TargetCheck {
    static func migrations(_ conn: Connection, files: [MigrationFile]) throws {
        let runner = MigrationRunner(dialect: .postgres)
        guard try runner.tableExists(conn) else { return }
        var byVersion: [Int: MigrationFile] = [:]
        for f in files { byVersion[f.version] = f }
        for a in try runner.applied(conn) {
            let name = MigrationFile.fileName(a.version, a.name)
            guard let f = byVersion[a.version], f.name == a.name else {
                throw DatabaseCopyError(.targetNotEmpty, "the target's schema_migrations records \(name), which migrations/postgres/ does not have; copy-database needs an empty database")
            }
            guard f.checksum == a.checksum else {
                throw DatabaseCopyError(.targetNotEmpty, "the target's schema_migrations records \(name) with another checksum than migrations/postgres/\(name); copy-database needs an empty database")
            }
        }
    }

    /// Refuses at the first table (in copy order, then by name) holding rows other than exactly its seed rows.
    static func empty(_ conn: Connection, seeds: [String: CopyProbe.Seed], order: [String]) throws {
        let schemaName = try conn.scalar("SELECT current_schema()").stringValue ?? "public"
        let existing = try conn.query("""
            SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
            """, [.text(schemaName)]).compactMap { $0.string("table_name") }
        let ranked = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let tables = existing.sorted { (ranked[$0] ?? .max, $0) < (ranked[$1] ?? .max, $1) }
        for table in tables {
            guard try conn.queryOne(SQL("SELECT 1 FROM \(raw: quoteIdentifier(table)) LIMIT 1")) != nil else { continue }
            if let seed = seeds[table], try holdsExactly(seed, conn, table: table, schemaName: schemaName) { continue }
            let detail = seeds[table] != nil ? " other than those the migrations insert" : ""
            throw DatabaseCopyError(.targetNotEmpty, "the target database is not empty: table \(table) has rows\(detail); copy-database fills an empty database only (create a new one)", table: table)
        }
    }

    /// True when `table` holds exactly the seed's rows (as a multiset), compared over the columns both have
    /// (a target migrated to an earlier version may lack later columns).
    private static func holdsExactly(_ seed: CopyProbe.Seed, _ conn: Connection, table: String, schemaName: String) throws -> Bool {
        let present = Set(try conn.query("SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                                         [.text(schemaName), .text(table)]).compactMap { $0.string("column_name") })
        let shared = seed.columns.enumerated().filter { present.contains($0.element) }
        guard !shared.isEmpty else { return false }
        let list = shared.map { quoteIdentifier($0.element) }.joined(separator: ", ")
        let rows = try conn.query(SQL("SELECT \(raw: list) FROM \(raw: quoteIdentifier(table)) LIMIT \(raw: String(seed.rows.count + 1))"))
        guard rows.count == seed.rows.count else { return false }
        let expected = seed.rows.map { row in shared.map { row[$0.offset] } }
        return canonical(rows.map(\.values)) == canonical(expected)
    }

    static func canonical(_ rows: [[SQLValue]]) -> [String] {
        rows.map { $0.map { v -> String in
            switch v {
            case .null: return "n"
            case .integer(let i): return "i\(i)"
            case .real(let d): return "r\(d)"
            case .text(let s): return "t" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\u{1}", with: "\\1")
            case .blob(let b): return "b" + b.map { String($0) }.joined(separator: ".")
            }
        }.joined(separator: "\u{1}") }.sorted()
    }
}

/// `"name"` with inner quotes doubled: a table or column name from the catalogs spliced into SQL.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
