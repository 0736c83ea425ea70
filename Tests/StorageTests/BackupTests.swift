import Foundation
import Storage
import Synchronization
import Testing

struct BackupTests {
    @Test func backup_WhileWritesAreInFlight_ProducesAnIntactCopy() throws {
        let dir = TempDirectory()
        let db = try Database.makeWithItems(in: dir)
        try db.write { conn in
            for i in 0..<2000 { try conn.run("INSERT INTO items (name, n) VALUES (?, ?)", [.text("seed-\(i)"), SQLValue(i)]) }
        }
        let stop = Atomic<Bool>(false)
        let errors = ErrorLog()
        let writers = DispatchGroup()
        for t in 0..<4 {
            writers.enter()
            Thread {
                var counter = 0
                while !stop.load(ordering: .relaxed) {
                    let i = counter
                    do { try db.write { try $0.run("INSERT INTO items (name, n) VALUES (?, ?)", [.text("w\(t)-\(i)"), SQLValue(i)]) } } catch { errors.record(error) }
                    counter += 1
                }
                writers.leave()
            }.start()
        }
        usleep(20_000)
        try db.backup(to: dir.file("copy.sqlite"))
        stop.store(true, ordering: .relaxed)
        writers.wait()
        #expect(errors.all.isEmpty)

        #expect(!FileManager.default.fileExists(atPath: dir.file("copy.sqlite.partial")))
        let copy = try Database(path: dir.file("copy.sqlite"))
        #expect(try copy.read { try $0.scalar("PRAGMA integrity_check") } == "ok")
        let copied = try copy.count()
        let live = try db.count()
        #expect(copied >= 2000 && copied <= live)
    }

    @Test func backup_Refuses_WhenTargetExists() throws {
        let dir = TempDirectory()
        let db = try Database.makeWithItems(in: dir)
        try dir.write("exists.sqlite", "x")
        #expect(throws: DatabaseError.self) { try db.backup(to: dir.file("exists.sqlite")) }
    }
}
