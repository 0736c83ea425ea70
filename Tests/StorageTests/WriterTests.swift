import Foundation
import Storage
import Synchronization
import Testing

/// The group-commit writer and the reader pool, on each backend (PostgreSQL when BILLING_TEST_DATABASE_URL is set).
struct WriterTests {
    @Test(arguments: TestBackend.available) func groupCommit_KeepsEveryWrite_FromManyThreads(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let errors = ErrorLog()
        do {
            let db = t.db
            onThreads(32) { t in
                for i in 0..<200 {
                    do {
                        try db.write { try $0.run("INSERT INTO items (name, n) VALUES (?, ?)", [.text("\(t)-\(i)"), SQLValue(i)]) }
                    } catch { errors.record(error) }
                }
            }
            let stats = db.writerStatistics
            #expect(stats.units == 6401)  // + the CREATE TABLE unit
            #expect(stats.batches < stats.units, "units were grouped into fewer transactions")
            #expect(stats.largestBatch > 1)
            #expect(stats.commits == stats.batches)
            #expect(stats.failedUnits == 0)
            #expect(stats.commitLatency.count == stats.commits)
            #expect(stats.unitLatency.count == stats.units)
            db.close()
        }
        #expect(errors.all.isEmpty)
        // Durable: a fresh open sees every row.
        let reopened = try t.reopen()
        #expect(try reopened.count() == 6400)
        reopened.close()
    }

    @Test(arguments: TestBackend.available) func failingUnit_RollsBackAlone_InsideABatch(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        try db.write { try $0.run("INSERT INTO items (name) VALUES ('taken')") }
        let before = db.writerStatistics
        let queuedBehind = 8
        let outcomes = Mutex<[Int: String]>([:])

        // Hold the writer in one unit until the others are queued, so they form one batch.
        let running = DispatchSemaphore(value: 0)
        let gate = Thread {
            try? db.write { _ in
                running.signal()
                let deadline = Date().addingTimeInterval(5)
                while db.writerStatistics.queueDepth < queuedBehind && Date() < deadline { usleep(1000) }
            }
        }
        gate.start()
        running.wait()
        onThreads(queuedBehind) { t in
            let name = t == 3 ? "taken" : "fresh-\(t)"  // thread 3 violates UNIQUE
            do {
                try db.write { conn in
                    try conn.run("INSERT INTO items (name, n) VALUES (?, ?)", [.text(name), SQLValue(t)])
                    try conn.run("UPDATE items SET n = n + 100 WHERE name = ?", [.text(name)])
                }
                outcomes.withLock { $0[t] = "ok" }
            } catch let e as DatabaseError where e.isUniqueViolation {
                outcomes.withLock { $0[t] = "unique" }
            } catch {
                outcomes.withLock { $0[t] = "\(error)" }
            }
        }
        let result = outcomes.withLock { $0 }
        #expect(result.count == queuedBehind)
        for t in 0..<queuedBehind { #expect(result[t] == (t == 3 ? "unique" : "ok")) }

        let stats = db.writerStatistics
        #expect(stats.largestBatch >= queuedBehind, "the queued units shared one transaction")
        #expect(stats.failedUnits == before.failedUnits + 1)
        let rows = try db.read { try $0.query("SELECT name, n FROM items WHERE name LIKE 'fresh-%' ORDER BY n") }
        #expect(rows.count == queuedBehind - 1)
        #expect(rows.allSatisfy { ($0.int("n") ?? 0) >= 100 })
        #expect(try db.read { try $0.scalar("SELECT n FROM items WHERE name = 'taken'") } == .null)
    }

    @Test(arguments: TestBackend.available) func write_ReturnsValue_AndRethrowsCallerError(_ backend: TestBackend) throws {
        struct Refused: Error, Equatable {}
        let t = try TestDatabase(backend)
        let db = t.db
        let id = try db.write { conn -> Int64 in
            try conn.scalar("INSERT INTO items (name) VALUES ('a') RETURNING id").int64Value ?? -1
        }
        #expect(id == 1)
        #expect(throws: Refused.self) {
            try db.write { conn in
                try conn.run("INSERT INTO items (name) VALUES ('b')")
                throw Refused()
            }
        }
        #expect(try db.count() == 1)
    }

    @Test(arguments: TestBackend.available) func read_SeesCommittedWrite_Immediately(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        for i in 1...100 {
            try db.write { try $0.run("INSERT INTO items (n) VALUES (?)", [SQLValue(i)]) }
            #expect(try db.count() == Int64(i))
        }
    }

    @Test(arguments: TestBackend.available) func reads_RunConcurrently_DuringWrites(_ backend: TestBackend) throws {
        var config = DatabaseConfiguration()
        config.readerCount = 4
        let t = try TestDatabase(backend, configuration: config)
        let db = t.db
        let errors = ErrorLog()
        let done = Atomic<Bool>(false)
        let readsDone = Atomic<Int>(0)
        let maxConcurrent = Atomic<Int>(0)
        let inFlight = Atomic<Int>(0)
        onThreads(12) { t in
            if t < 4 {
                for i in 0..<150 {
                    do { try db.write { try $0.run("INSERT INTO items (name) VALUES (?)", [.text("\(t)-\(i)")]) } } catch { errors.record(error) }
                }
                if t == 0 { usleep(50_000); done.store(true, ordering: .relaxed) }
            } else {
                var last: Int64 = 0
                while !done.load(ordering: .relaxed) {
                    do {
                        let n = try db.read { conn -> Int64 in
                            let now = inFlight.add(1, ordering: .relaxed).newValue
                            _ = maxConcurrent.max(now, ordering: .relaxed)
                            defer { inFlight.subtract(1, ordering: .relaxed) }
                            // Two queries in one read see one snapshot.
                            let a = try conn.scalar("SELECT count(*) FROM items").int64Value ?? -1
                            usleep(200)
                            let b = try conn.scalar("SELECT count(*) FROM items").int64Value ?? -2
                            if a != b { throw DatabaseError(code: 1, message: "snapshot moved \(a) → \(b)") }
                            return a
                        }
                        if n < last { errors.record(DatabaseError(code: 1, message: "count went back \(last) → \(n)")) }
                        last = n
                        readsDone.add(1, ordering: .relaxed)
                    } catch { errors.record(error) }
                }
            }
        }
        #expect(errors.all.isEmpty, "\(errors.all.prefix(3))")
        #expect(readsDone.load(ordering: .relaxed) > 50)
        #expect(maxConcurrent.load(ordering: .relaxed) > 1, "reads overlapped")
        #expect(try db.count() == 600)
    }

    @Test(arguments: TestBackend.available) func nestedRead_OnSameThread_ReusesConnection(_ backend: TestBackend) throws {
        var config = DatabaseConfiguration()
        config.readerCount = 1
        let t = try TestDatabase(backend, configuration: config)
        let db = t.db
        let n = try db.read { _ in try db.read { try $0.scalar("SELECT 7") } }
        #expect(n == 7)
    }

    @Test(arguments: TestBackend.available) func writeWithoutTransaction_RunsStatementsThatRefuseATransaction(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        try db.write { try $0.run("INSERT INTO items (name) VALUES ('a')") }
        try db.writeWithoutTransaction { conn in
            #expect(!conn.isInTransaction)
            try conn.execute("VACUUM")
            if conn.dialect == .sqlite { try conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        #expect(try db.count() == 1)
        #expect(throws: DatabaseError.self) { try db.write { try $0.execute("VACUUM") } }
    }

    @Test(arguments: TestBackend.available) func close_DrainsQueuedWrites_ThenRefusesNewOnes(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        let errors = ErrorLog()
        onThreads(8) { t in
            do { try db.write { try $0.run("INSERT INTO items (n) VALUES (?)", [SQLValue(t)]) } } catch { errors.record(error) }
        }
        db.close()
        db.close()  // idempotent
        #expect(errors.all.isEmpty)
        #expect(throws: DatabaseError.self) { try db.write { _ in 1 } }
        #expect(throws: DatabaseError.self) { try db.read { _ in 1 } }
        let reopened = try t.reopen()
        #expect(try reopened.count() == 8)
        reopened.close()
    }

    @Test func write_FromInsideAWriteUnit_Traps() async {
        await #expect(processExitsWith: .failure) {
            let dir = TempDirectory()
            let db = try Database(path: dir.file("t.sqlite"))
            try db.write { _ in try db.write { _ in 1 } }
        }
    }
}
