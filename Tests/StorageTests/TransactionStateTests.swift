import Foundation
import Storage
import Synchronization
import Testing

/// Deferred per-transaction state and pre-commit hooks, shared by the units of one group commit.
struct TransactionStateTests {
    final class Counter { var value = 0 }

    @Test func commitHook_WritesMergedStateOnce_PerTransaction() throws {
        let dir = TempDirectory()
        let db = try Database.makeWithItems(in: dir)
        try db.write { try $0.run("CREATE TABLE totals (k TEXT PRIMARY KEY, n INTEGER NOT NULL)") }
        onThreads(16) { _ in
            for _ in 0..<50 {
                _ = try? db.write { conn in
                    let counter = conn.transactionValue("test.counter") { Counter() }
                    conn.beforeCommit("test.counter") { c in
                        try c.run("INSERT INTO totals (k, n) VALUES ('x', ?) ON CONFLICT (k) DO UPDATE SET n = n + excluded.n", [SQLValue(counter.value)])
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

    @Test func transactionState_IsClearedBetweenTransactions() throws {
        let dir = TempDirectory()
        let db = try Database.makeWithItems(in: dir)
        try db.write { conn in _ = conn.transactionValue("k") { Counter() }.value += 5 }
        let seen = try db.write { conn in conn.existingTransactionValue("k", as: Counter.self)?.value ?? -1 }
        #expect(seen == -1)
        db.close()
    }

    @Test func failingHook_FailsTheWholeBatch_AndWritesNothing() throws {
        struct HookFailure: Error {}
        let dir = TempDirectory()
        let db = try Database.makeWithItems(in: dir)
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
