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

/// An error reported by SQLite (or by Storage on misuse), with its code, message and SQL.
///
/// Bound arguments are never recorded: they may hold e-mails, tokens or amounts, and
/// this error's description ends up in logs.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The extended result code.
    public let code: Int32
    /// `sqlite3_errmsg` at the time of the failure.
    public let message: String
    /// The SQL that failed, without its arguments.
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var resultCode: ResultCode { ResultCode(rawValue: code) }
    public var isConstraintViolation: Bool { ResultCode.constraint ~= resultCode }
    public var isUniqueViolation: Bool { resultCode == .constraintUnique || resultCode == .constraintPrimaryKey }
    public var isForeignKeyViolation: Bool { resultCode == .constraintForeignKey }
    public var isBusy: Bool { ResultCode.busy ~= resultCode }

    public var description: String {
        var text = "SQLite error \(code) (\(String(cString: sqlite3_errstr(code)))): \(message)"
        if let sql { text += " — in `\(sql)`" }
        return text
    }

    /// Storage's own misuse reports (closed database, argument count, several statements).
    static func misuse(_ message: String, sql: String? = nil) -> DatabaseError {
        DatabaseError(code: SQLITE_MISUSE, message: message, sql: sql)
    }
}
