import CSQLite

/// A prepared statement; finalized when the last reference goes.
///
/// Owned by one `SQLiteConnection` and used only on that connection's thread.
final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    unowned let connection: SQLiteConnection
    /// Set while a caller is stepping it, so a nested use of the same SQL gets a fresh statement
    /// instead of resetting the one being iterated.
    var inUse = false
    private var columnIndex: ColumnIndex?

    init(handle: OpaquePointer, sql: String, connection: SQLiteConnection) {
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    var columns: ColumnIndex {
        if let columnIndex { return columnIndex }
        let count = Int(sqlite3_column_count(handle))
        let names = (0..<count).map { String(cString: sqlite3_column_name(handle, Int32($0))) }
        let made = ColumnIndex(names)
        columnIndex = made
        return made
    }

    /// Clears old bindings and binds `args` to `?1…?n`.
    func bind(_ args: [SQLValue]) throws {
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == args.count else {
            throw DatabaseError(code: SQLITE_RANGE, message: "statement expects \(expected) arguments, got \(args.count)", sql: sql)
        }
        for (offset, value) in args.enumerated() {
            let i = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null:
                rc = sqlite3_bind_null(handle, i)
            case .integer(let v):
                rc = sqlite3_bind_int64(handle, i, v)
            case .real(let d):
                rc = sqlite3_bind_double(handle, i, d)
            case .text(let s):
                var s = s
                rc = s.withUTF8 { buf in
                    // An empty buffer may have a nil base address, which SQLite would bind as NULL.
                    guard let base = buf.baseAddress, buf.count > 0 else {
                        return sqlite3_bind_text(handle, i, "", 0, csqlite_transient())
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                        sqlite3_bind_text64(handle, i, $0, sqlite3_uint64(buf.count), csqlite_transient(), UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let bytes):
                if bytes.isEmpty {
                    // bind_blob with a nil pointer would store NULL, not an empty blob.
                    rc = sqlite3_bind_zeroblob(handle, i, 0)
                } else {
                    rc = bytes.withUnsafeBytes {
                        sqlite3_bind_blob64(handle, i, $0.baseAddress, sqlite3_uint64($0.count), csqlite_transient())
                    }
                }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, sql: sql) }
        }
    }

    /// Steps once: true when a row is available, false when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, sql: sql)
        }
    }

    /// Resets so the statement releases its read snapshot and can run again.
    func reset() { sqlite3_reset(handle) }

    /// Copies the current row out of SQLite.
    func row() -> Row {
        let index = columns
        var values: [SQLValue] = []
        values.reserveCapacity(index.names.count)
        for i in 0..<Int32(index.names.count) { values.append(value(at: i)) }
        return Row(index: index, values: values)
    }

    func value(at i: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(handle, i))
            guard let p = sqlite3_column_text(handle, i) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, i))
            // A zero-length blob comes back as a NULL pointer.
            guard count > 0, let p = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: count)))
        default:
            return .null
        }
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}
