// Storage writer throughput: single-row insert units per second through `Database.write`
// (group commit) with 1, 8 and 64 submitting threads, against one transaction per row on a
// plain connection, in the same run. See docs/PERFORMANCE.md, "Storage writer".
//
//   swift run -c release --scratch-path .build-bench writer-bench [--runs 3] [--seconds 3] [--dir /tmp]
//
// Each mode inserts for a fixed time on a fresh file; modes are interleaved within each run so
// that every run compares them under the same disk conditions. Each run also measures the raw
// fdatasync rate of the directory, which bounds the ungrouped rate.

import Foundation
import Storage
import Support

struct Options {
    var runs = 3
    var dir = NSTemporaryDirectory()
    var seconds = 3.0

    init(_ args: [String]) {
        var i = 1
        func next() -> String { i += 1; return i < args.count ? args[i] : "" }
        while i < args.count {
            switch args[i] {
            case "--runs": runs = Int(next()) ?? runs
            case "--dir": dir = next()
            case "--seconds": seconds = Double(next()) ?? seconds
            default: FileHandle.standardError.write("unknown option \(args[i])\n".data(using: .utf8)!); exit(2)
            }
            i += 1
        }
    }
}

/// Shaped like usage events: time-ordered text key, two secondary indexes.
let schema = """
    CREATE TABLE usage_events (
        id            TEXT PRIMARY KEY,
        tenant_id     TEXT NOT NULL,
        resource_type TEXT NOT NULL CHECK (resource_type IN ('api_call', 'storage_gb', 'seat', 'email', 'sms')),
        quantity      INTEGER NOT NULL,
        occurred_at   TEXT NOT NULL
    );
    CREATE INDEX usage_events_tenant_time ON usage_events (tenant_id, occurred_at);
    CREATE INDEX usage_events_tenant_resource_time ON usage_events (tenant_id, resource_type, occurred_at);
    """
let insert = "INSERT INTO usage_events (id, tenant_id, resource_type, quantity, occurred_at) VALUES (?, ?, ?, ?, ?)"
let tenants = (0..<50).map { _ in UUIDv7.random() }
let resources = ["api_call", "storage_gb", "seat", "email", "sms"]

func eventArgs(_ i: Int) -> [SQLValue] {
    [.text(UUIDv7.make()), .text(tenants[i % tenants.count]), .text(resources[i % resources.count]),
     .integer(Int64(1 + i % 100)), .text(RFC3339.format(Date()))]
}

func freshPath(_ options: Options, _ label: String) -> String {
    let path = options.dir + "/writer-bench-\(label)-\(getpid()).sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    return path
}

func removeDatabase(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

func seconds(since start: UInt64) -> Double { Double(monotonicNanoseconds() - start) / 1e9 }

/// Raw `write(4 KiB) + fdatasync` per second in `options.dir`: the disk's durability cost right now.
func fsyncRate(_ options: Options) -> Double {
    let path = freshPath(options, "fsync")
    defer { removeDatabase(path) }
    let fd = open(path, O_WRONLY | O_CREAT, 0o600)
    defer { close(fd) }
    let page = [UInt8](repeating: 7, count: 4096)
    let start = monotonicNanoseconds()
    var n = 0
    while seconds(since: start) < 1 {
        _ = page.withUnsafeBytes { write(fd, $0.baseAddress, 4096) }
        fdatasync(fd)
        n += 1
    }
    return Double(n) / seconds(since: start)
}

/// One transaction (and one fsync) per row on a plain connection, no grouping.
func ungrouped(_ options: Options) throws -> Double {
    let path = freshPath(options, "ungrouped")
    defer { removeDatabase(path) }
    let conn = try SQLiteConnection(path: path)
    try conn.execute(schema)
    let start = monotonicNanoseconds()
    var rows = 0
    while seconds(since: start) < options.seconds {
        try conn.run("BEGIN IMMEDIATE")
        try conn.run(insert, eventArgs(rows))
        try conn.run("COMMIT")
        rows += 1
    }
    let elapsed = seconds(since: start)
    let count = try conn.scalar("SELECT count(*) FROM usage_events").int64Value ?? 0
    precondition(count == Int64(rows), "lost rows: \(count)")
    return Double(rows) / elapsed
}

/// Single-row units through `Database.write` from `threads` submitters for `options.seconds`.
func grouped(_ options: Options, threads: Int) throws -> (rate: Double, stats: WriterStatistics) {
    let path = freshPath(options, "grouped\(threads)")
    defer { removeDatabase(path) }
    let db = try Database(path: path)
    try db.write { try $0.execute(schema) }
    let before = db.writerStatistics
    let group = DispatchGroup()
    let go = DispatchSemaphore(value: 0)
    let failures = Atomicish()
    let rows = Counter()
    let deadline = Counter()
    for t in 0..<threads {
        group.enter()
        Thread {
            go.wait()
            var i = 0
            while deadline.value == 0 {
                let args = eventArgs(t * 1_000_000 + i)
                do { try db.write { try $0.run(insert, args) } } catch { failures.note(error) }
                i += 1
            }
            rows.add(i)
            group.leave()
        }.start()
    }
    let start = monotonicNanoseconds()
    for _ in 0..<threads { go.signal() }
    usleep(useconds_t(options.seconds * 1e6))
    deadline.add(1)
    group.wait()
    let elapsed = seconds(since: start)
    if let error = failures.first { throw error }
    var stats = db.writerStatistics
    stats.units -= before.units
    stats.batches -= before.batches
    stats.commits -= before.commits
    let count = try db.read { try $0.scalar("SELECT count(*) FROM usage_events").int64Value ?? 0 }
    precondition(count == Int64(rows.value), "lost rows: \(count) of \(rows.value)")
    db.close()
    return (Double(rows.value) / elapsed, stats)
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add(_ k: Int) { lock.lock(); n += k; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

final class Atomicish: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func note(_ e: any Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
    var first: (any Error)? { lock.lock(); defer { lock.unlock() }; return error }
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
func fmt(_ x: Double) -> String { String(Int(x.rounded())) }

let options = Options(CommandLine.arguments)
var ungroupedRates: [Double] = []
var fsyncRates: [Double] = []
var groupedRates: [Int: [Double]] = [:]
var batchSizes: [Int: [Double]] = [:]
for run in 1...options.runs {
    let f = fsyncRate(options)
    fsyncRates.append(f)
    let u = try ungrouped(options)
    ungroupedRates.append(u)
    var line = "run \(run): fdatasync \(fmt(f))/s, ungrouped \(fmt(u))/s"
    for threads in [1, 8, 64] {
        let (rate, stats) = try grouped(options, threads: threads)
        groupedRates[threads, default: []].append(rate)
        batchSizes[threads, default: []].append(Double(stats.units) / Double(max(1, stats.batches)))
        line += ", \(threads) threads \(fmt(rate))/s (\(String(format: "%.1f", batchSizes[threads]!.last!))/commit, \(String(format: "%.1f", rate / u))×)"
    }
    print(line)
}
let base = median(ungroupedRates)
print("")
print("raw fdatasync (4 KiB) per run: \(fsyncRates.map(fmt).joined(separator: ", ")) /s")
print("")
print("| mode | submitters | units/s (median of \(options.runs)) | units per commit (median) | × ungrouped (ratio of medians) |")
print("|---|---|---|---|---|")
print("| one transaction per row, plain connection | 1 | \(fmt(base)) | 1 | 1.0 |")
for threads in [1, 8, 64] {
    let m = median(groupedRates[threads]!)
    print("| group commit, `Database.write` | \(threads) | \(fmt(m)) | \(String(format: "%.1f", median(batchSizes[threads]!))) | \(String(format: "%.1f", m / base)) |")
}
