import Foundation
import Storage
import Synchronization
import Testing

/// Deferred per-transaction state and pre-commit hooks, shared by the units of one group commit.
struct TransactionStateTests {
    final class Counter { var value = 0 }

    @Test(arguments: TestBackend.available) func commitHook_WritesMergedStateOnce_PerTransaction(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        try db.write { try $0.run("CREATE TABLE totals (k TEXT PRIMARY KEY, n BIGINT NOT NULL)") }
        onThreads(16) { _ in
            for _ in 0..<50 {
                _ = try? db.write { conn in
                    let counter = conn.transactionValue("test.counter") { Counter() }
                    conn.beforeCommit("test.counter") { c in
                        try c.run("INSERT INTO totals (k, n) VALUES ('x', ?) ON CONFLICT (k) DO UPDATE SET n = totals.n + excluded.n", [SQLValue(counter.value)])
                    }
                    counter.value += 1
                }
            }
        }
        #expect(try db.read { try $0.scalar("SELECT n FROM totals WHERE k = 'x'") } == .integer(800))
        // Each batch ran the hook once: fewer upserts than units when batches formed.
        let stats = db.writerStatistics
        #expect(stats.batches <= stats.units)
        db.close()
    }

    @Test(arguments: TestBackend.available) func transactionState_IsClearedBetweenTransactions(_ backend: TestBackend) throws {
        let t = try TestDatabase(backend)
        let db = t.db
        try db.write { conn in _ = conn.transactionValue("k") { Counter() }.value += 5 }
        let seen = try db.write { conn in conn.existingTransactionValue("k", as: Counter.self)?.value ?? -1 }
        #expect(seen == -1)
        db.close()
    }

    @Test(arguments: TestBackend.available) func failingHook_FailsTheWholeBatch_AndWritesNothing(_ backend: TestBackend) throws {
        struct HookFailure: Error {}
        let t = try TestDatabase(backend)
        let db = t.db
        #expect(throws: HookFailure.self) {
            try db.write { conn in
                try conn.run("INSERT INTO items (name) VALUES ('doomed')")
                conn.beforeCommit("fail") { _ in throw HookFailure() }
            }
        }
        #expect(try db.count() == 0)
        try db.write { try $0.run("INSERT INTO items (name) VALUES ('fine')") }
        #expect(try db.count() == 1)
        db.close()
    }
}

/// The writer keeps the WAL bounded while readers are constantly active (checkpoint starvation).
struct WALBoundTests {
    @Test func wal_StaysBounded_UnderConstantReads() throws {
        let dir = TempDirectory()
        var config = DatabaseConfiguration()
        config.walLimitPages = 200
        config.walCheckEveryBatches = 1
        let db = try Database(path: dir.file("wal.sqlite"), configuration: config)
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)") }
        let stop = Atomic<Bool>(false)
        // Overlapping read transactions: at every moment some reader holds a snapshot.
        let readers = (0..<4).map { _ in
            Thread {
                while !stop.load(ordering: .relaxed) {
                    _ = try? db.read { conn in
                        _ = try conn.scalar("SELECT count(*) FROM t")
                        Thread.sleep(forTimeInterval: 0.003)
                    }
                }
            }
        }
        readers.forEach { $0.start() }
        for _ in 0..<400 {
            try db.write { try $0.run("INSERT INTO t (payload) VALUES (?)", [.blob([UInt8](repeating: 7, count: 8192))]) }
        }
        stop.store(true, ordering: .relaxed)
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: dir.file("wal.sqlite") + "-wal")[.size] as? Int) ?? 0
        // 400 rows of 8 KiB ≈ 1,200 pages were written; the WAL was reset whenever it passed 200 pages.
        #expect(walBytes < 300 * 4096 * 2, "WAL is \(walBytes) bytes")
        db.close()
    }
}
