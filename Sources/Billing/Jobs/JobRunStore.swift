import Foundation
import Storage
import Support

/// The SQL for `job_runs`.
enum JobRunStore {
    static func insert(_ conn: Connection, _ r: JobRun) throws {
        try conn.run("""
            INSERT INTO job_runs (id, job, triggered_by, as_of, dry_run, started_at, finished_at, outcome, message, counts_json)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(r.id), .text(r.job), .text(r.trigger.rawValue), .text(StoredTime.format(r.asOf)), .integer(r.dryRun ? 1 : 0),
                  .text(StoredTime.format(r.startedAt)), .text(StoredTime.format(r.finishedAt)), .text(r.outcome.rawValue),
                  SQLValue(r.message.map { String($0.prefix(2000)) }), .text(r.countsJSON.serializedString())])
    }

    static func list(_ conn: Connection, job: String?, limit: Int) throws -> [JobRun] {
        let rows = try job.map {
            try conn.query("SELECT * FROM job_runs WHERE job = ? ORDER BY started_at DESC, id DESC LIMIT ?", [.text($0), .integer(Int64(limit))])
        } ?? conn.query("SELECT * FROM job_runs ORDER BY started_at DESC, id DESC LIMIT ?", [.integer(Int64(limit))])
        return rows.map { r in
            let epoch = Date(timeIntervalSince1970: 0)
            let counts = (r.string("counts_json").flatMap { try? JSON.parse($0) }?.objectValue).map { o in o.keys.map { ($0, o[$0]?.intValue ?? 0) } } ?? []
            return JobRun(id: r.string("id") ?? "", job: r.string("job") ?? "", trigger: JobTrigger(rawValue: r.string("triggered_by") ?? "") ?? .cli,
                          asOf: StoredTime.parse(r.string("as_of")) ?? epoch, dryRun: (r.int("dry_run") ?? 0) != 0,
                          startedAt: StoredTime.parse(r.string("started_at")) ?? epoch, finishedAt: StoredTime.parse(r.string("finished_at")) ?? epoch,
                          outcome: JobRun.Outcome(rawValue: r.string("outcome") ?? "") ?? .failed, message: r.string("message"), counts: counts)
        }
    }
}
