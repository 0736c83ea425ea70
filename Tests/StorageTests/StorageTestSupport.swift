import Foundation
import Storage
import Synchronization

/// A fresh directory per test, removed when the value goes away.
final class TempDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/storage-tests-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
    }
}

/// Runs `body(i)` on `count` new threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.start()
    }
    group.wait()
}

/// Errors collected from several threads.
final class ErrorLog: Sendable {
    private let errors = Mutex<[String]>([])
    func record(_ error: any Error) { errors.withLock { $0.append(String(describing: error)) } }
    var all: [String] { errors.withLock { $0 } }
}

extension Database {
    /// A database in `dir` with an `items(id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)` table.
    static func makeWithItems(in dir: TempDirectory, name: String = "test.sqlite",
                              configuration: DatabaseConfiguration = .init()) throws -> Database {
        let db = try Database(path: dir.file(name), configuration: configuration)
        try db.write { conn in
            try conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)")
        }
        return db
    }

    func count(_ table: String = "items") throws -> Int64 {
        try read { try $0.scalar("SELECT count(*) FROM \(table)").int64Value ?? -1 }
    }
}
