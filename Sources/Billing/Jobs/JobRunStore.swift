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
        return try rows.map(decode)
    }

    /// A `job_runs` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable
    /// (`counts_json` included: an object of integer counts).
    static func decode(_ r: Row) throws -> JobRun {
        let counts = try r.decodeJSONObject("counts_json").map { name, value -> (String, Int64) in
            guard let n = value.intValue else {
                throw RowDecodingError.jsonContent("counts_json", expected: "integer counts by name", found: "a count that is \(value.typeName)")
            }
            return (name, n)
        }
        return JobRun(id: try r.decode(String.self, "id"), job: try r.decode(String.self, "job"),
                      trigger: try r.decode(JobTrigger.self, "triggered_by"),
                      asOf: try r.decodeTime("as_of"), dryRun: try r.decode(Bool.self, "dry_run"),
                      startedAt: try r.decodeTime("started_at"), finishedAt: try r.decodeTime("finished_at"),
                      outcome: try r.decode(JobRun.Outcome.self, "outcome"), message: try r.decodeIfPresent(String.self, "message"),
                      counts: counts)
    }
}

extension JobTrigger: SQLDecodable {}
extension JobRun.Outcome: SQLDecodable {}
