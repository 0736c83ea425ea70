import CPostgres
import CSQLite
import Foundation

/// PostgreSQL failures as `DatabaseError`s: the SQLSTATE is kept, and `code` is the SQLite code callers
/// already test (so `isUniqueViolation`, `isBusy`, … answer alike on both backends).
enum PostgresError {
    /// The closest SQLite result code for `sqlState` (https://www.postgresql.org/docs/current/errcodes-appendix.html).
    static func code(for sqlState: String) -> Int32 {
        switch sqlState {
        case "23505": return ResultCode.constraintUnique.rawValue
        case "23503": return ResultCode.constraintForeignKey.rawValue
        case "23514": return ResultCode.constraintCheck.rawValue
        case "23502": return ResultCode.constraintNotNull.rawValue
        case "40001", "40P01", "55P03": return SQLITE_BUSY  // serialization failure, deadlock, lock not available
        case "57014": return SQLITE_INTERRUPT  // statement timeout or cancel
        case "25006": return SQLITE_READONLY  // a write in a read-only transaction
        case "25P02": return SQLITE_ABORT  // in a failed transaction
        case "57P01", "57P02", "57P03": return SQLITE_CANTOPEN  // server shutting down or starting
        default: break
        }
        switch sqlState.prefix(2) {
        case "23": return SQLITE_CONSTRAINT
        case "08": return SQLITE_CANTOPEN
        case "22": return SQLITE_MISMATCH
        case "53": return SQLITE_FULL
        default: return SQLITE_ERROR
        }
    }

    /// The error of a failed `result` (nil when libpq returned none), with `connection`'s message.
    static func make(_ result: OpaquePointer?, connection: OpaquePointer?, sql: String?) -> DatabaseError {
        let lost = connection.map { PQstatus($0) != CONNECTION_OK } ?? true
        if let result, let stateField = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) {
            let state = String(cString: stateField)
            // The primary message only: DETAIL quotes the offending key values ("Key (email)=(…)").
            let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? "error \(state)"
            return DatabaseError(code: code(for: state), message: message, sql: sql, sqlState: state)
        }
        let text = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "no connection"
        let message = clean(text.isEmpty ? "the server connection failed" : text)
        // No SQLSTATE: libpq itself failed, almost always because the connection is gone.
        let state = lost ? "08006" : "08000"
        return DatabaseError(code: code(for: state), message: message, sql: sql, sqlState: state)
    }

    /// `isUnavailable` with `message`, for a connection that is closed or waiting out its reconnect backoff.
    static func unavailable(_ message: String, sql: String? = nil) -> DatabaseError {
        DatabaseError(code: SQLITE_CANTOPEN, message: message, sql: sql, sqlState: "08006")
    }

    /// libpq's multi-line messages on one line.
    static func clean(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\t" }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}
