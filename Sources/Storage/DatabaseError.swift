import CSQLite

/// A SQLite result code (https://sqlite.org/rescode.html), primary or extended.
///
/// `~=` lets a primary code match all of its extended codes:
/// `catch let e as DatabaseError where ResultCode.constraint ~= e.resultCode`.
public struct ResultCode: RawRepresentable, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code (the low byte).
    public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xff) }

    public static let error = ResultCode(rawValue: SQLITE_ERROR)
    public static let busy = ResultCode(rawValue: SQLITE_BUSY)
    public static let locked = ResultCode(rawValue: SQLITE_LOCKED)
    public static let readonly = ResultCode(rawValue: SQLITE_READONLY)
    public static let abort = ResultCode(rawValue: SQLITE_ABORT)
    public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
    public static let misuse = ResultCode(rawValue: SQLITE_MISUSE)
    public static let range = ResultCode(rawValue: SQLITE_RANGE)
    public static let cantOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
    public static let constraintUnique = ResultCode(rawValue: 2067)      // SQLITE_CONSTRAINT_UNIQUE
    public static let constraintPrimaryKey = ResultCode(rawValue: 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
    public static let constraintForeignKey = ResultCode(rawValue: 787)   // SQLITE_CONSTRAINT_FOREIGNKEY
    public static let constraintCheck = ResultCode(rawValue: 275)        // SQLITE_CONSTRAINT_CHECK
    public static let constraintNotNull = ResultCode(rawValue: 1299)     // SQLITE_CONSTRAINT_NOTNULL

    /// A primary pattern matches every extended code built on it; an extended pattern matches exactly.
    public static func ~= (pattern: ResultCode, code: ResultCode) -> Bool {
        pattern.rawValue == pattern.primary.rawValue ? pattern == code.primary : pattern == code
    }
}

/// An error reported by the database (or by Storage on misuse), with its code, message and SQL.
///
/// `code` is a SQLite result code on both backends: PostgreSQL errors carry their SQLSTATE in `sqlState`
/// and the closest SQLite code in `code` (23505 → `SQLITE_CONSTRAINT_UNIQUE`, 23503 → `_FOREIGNKEY`,
/// 23514 → `_CHECK`, 23502 → `_NOTNULL`, 40001/40P01 → `SQLITE_BUSY`), so `isUniqueViolation` and the
/// other predicates answer the same whichever backend raised the error.
///
/// Bound arguments are never recorded: they may hold e-mails, tokens or amounts, and
/// this error's description ends up in logs. (PostgreSQL's DETAIL, which quotes key values, is dropped.)
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The extended SQLite result code (for PostgreSQL errors, the closest one).
    public let code: Int32
    /// The error message (`sqlite3_errmsg`, or PostgreSQL's primary message).
    public let message: String
    /// The SQL that failed, without its arguments.
    public let sql: String?
    /// PostgreSQL's five-character SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html); nil on SQLite.
    public let sqlState: String?

    public init(code: Int32, message: String, sql: String? = nil, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.sqlState = sqlState
    }

    public var resultCode: ResultCode { ResultCode(rawValue: code) }
    public var isConstraintViolation: Bool { ResultCode.constraint ~= resultCode }
    public var isUniqueViolation: Bool { resultCode == .constraintUnique || resultCode == .constraintPrimaryKey }
    public var isForeignKeyViolation: Bool { resultCode == .constraintForeignKey }
    public var isCheckViolation: Bool { resultCode == .constraintCheck }
    public var isNotNullViolation: Bool { resultCode == .constraintNotNull }
    /// The database was locked or the transaction lost a conflict (`SQLITE_BUSY`, PostgreSQL 40001 / 40P01).
    public var isBusy: Bool { ResultCode.busy ~= resultCode }

    /// Running the same work again, alone, may succeed: a PostgreSQL serialization failure (40001)
    /// or deadlock (40P01). The writer retries such a unit once by itself.
    public var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// The database server cannot be reached (PostgreSQL connection failures, class 08, and server
    /// shutdown, 57P01–57P03). The connection reconnects on its own; callers answer 503 + Retry-After.
    public var isUnavailable: Bool {
        guard let state = sqlState else { return false }
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
    }

    public var description: String {
        var text: String
        if let sqlState {
            text = "PostgreSQL error \(sqlState): \(message)"
        } else {
            text = "SQLite error \(code) (\(String(cString: sqlite3_errstr(code)))): \(message)"
        }
        if let sql { text += " — in `\(sql)`" }
        return text
    }

    /// Storage's own misuse reports (closed database, argument count, several statements).
    static func misuse(_ message: String, sql: String? = nil) -> DatabaseError {
        DatabaseError(code: SQLITE_MISUSE, message: message, sql: sql)
    }
}
