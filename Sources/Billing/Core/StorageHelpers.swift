import Storage

/// The integer inside a scalar result, if it is one.
func int64(of value: SQLValue) -> Int64? {
    if case .integer(let v) = value { return v }
    return nil
}

/// The text inside a scalar result, if it is one.
func string(of value: SQLValue) -> String? {
    if case .text(let v) = value { return v }
    return nil
}

/// An optional integer as a bound value (`NULL` when nil).
func sqlInt(_ value: Int?) -> SQLValue {
    value.map { .integer(Int64($0)) } ?? .null
}

/// The row-lock clause a write transaction appends to a `SELECT` of rows it is about to change.
///
/// On PostgreSQL other instances write the same rows: `FOR UPDATE` holds them until the commit, so a
/// read-modify-write never overwrites a change committed in between (READ COMMITTED re-reads the locked row).
/// `skipLocked` leaves rows another instance is working on to it (job batches). SQLite's single writer already
/// serializes every write transaction, so the clause is empty there.
/// Serializes transactions that take the same `name` across instances (PostgreSQL: an advisory lock held to the
/// end of the transaction); SQLite's single writer already does, so nothing is run there.
func serializeAcrossInstances(_ conn: Connection, _ name: String) throws {
    guard conn.dialect == .postgres else { return }
    try conn.run("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [.text(name)])
}

func rowLock(_ conn: Connection, of table: String? = nil, skipLocked: Bool = false) -> String {
    guard conn.dialect == .postgres else { return "" }
    return " FOR UPDATE" + (table.map { " OF \($0)" } ?? "") + (skipLocked ? " SKIP LOCKED" : "")
}
