import AdminAPI
import Storage
import Testing

/// Database failures that are the server's state, not the request's: 503 with Retry-After, never a 500.
struct DatabaseErrorMappingTests {
    @Test func unavailableDatabase_Is503_WithRetryAfter() {
        let lost = DatabaseError(code: 14, message: "server closed the connection unexpectedly", sqlState: "08006")
        let e = APIError.from(lost)
        #expect(e.status.code == 503 && e.code == "database_unavailable")
        #expect(e.headers.contains { $0.0 == "Retry-After" })
        #expect(!e.message.contains("server closed"), "internals stay in the log")
        #expect(APIError.from(DatabaseError(code: 14, message: "shutting down", sqlState: "57P01")).code == "database_unavailable")
    }

    @Test func busyOrConflictingDatabase_Is503_DatabaseBusy() {
        #expect(APIError.from(DatabaseError(code: 5, message: "database is locked")).code == "database_busy")
        let deadlock = DatabaseError(code: 5, message: "deadlock detected", sqlState: "40P01")
        #expect(deadlock.isRetryable && APIError.from(deadlock).code == "database_busy")
        #expect(APIError.from(DatabaseError(code: 2067, message: "duplicate key", sqlState: "23505")).status.code == 500)
    }

    @Test func foreignKeyViolation_Is404_TheReferencedRowWasDeletedMeanwhile() {
        let sqlite = APIError.from(DatabaseError(code: 787, message: "FOREIGN KEY constraint failed"))
        #expect(sqlite.status.code == 404 && sqlite.code == "not_found")
        let postgres = APIError.from(DatabaseError(code: 787, message: "insert or update violates foreign key", sqlState: "23503"))
        #expect(postgres.status.code == 404 && !postgres.message.contains("violates"))
    }
}
