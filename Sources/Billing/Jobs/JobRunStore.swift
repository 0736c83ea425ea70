import Foundation
import Storage
import Support

/// The SQL for `job_runs`.
enum JobRunStore {
    /// Records a run as it starts (`running`), with this process's instance id and a first heartbeat.
    static func insertRunning(_ conn: Connection, id: String, job: String, trigger: JobTrigger, asOf: Date, dryRun: Bool,
                              startedAt: Date, instanceId: String) throws {
        try conn.run("""
            INSERT INTO job_runs (id, job, triggered_by, as_of, dry_run, started_at, outcome, counts_json, instance_id, heartbeat_at)
            VALUES (?, ?, ?, ?, ?, ?, 'running', '{}', ?, ?)
            """, [.text(id), .text(job), .text(trigger.rawValue), .text(StoredTime.format(asOf)), .integer(dryRun ? 1 : 0),
                  .text(StoredTime.format(startedAt)), .text(instanceId), .text(StoredTime.format(startedAt))])
    }

    /// Completes a run with its outcome (also one another instance marked `interrupted` meanwhile: the run did finish).
    static func finish(_ conn: Connection, _ r: JobRun) throws {
        try conn.run("""
            UPDATE job_runs SET finished_at = ?, outcome = ?, message = ?, counts_json = ?, heartbeat_at = ? WHERE id = ?
            """, [SQLValue(r.finishedAt.map(StoredTime.format)), .text(r.outcome.rawValue), SQLValue(r.message.map { String($0.prefix(2000)) }),
                  .text(r.countsJSON.serializedString()), SQLValue(r.finishedAt.map(StoredTime.format)), .text(r.id)])
    }

    /// Renews a running run's heartbeat.
    static func heartbeat(_ conn: Connection, id: String, at now: Date) throws {
        try conn.run("UPDATE job_runs SET heartbeat_at = ? WHERE id = ? AND outcome = 'running'", [.text(StoredTime.format(now)), .text(id)])
    }

    /// Marks `running` rows whose heartbeat is older than `staleAfter` as `interrupted` (their process died); returns how many.
    @discardableResult
    static func markInterrupted(_ conn: Connection, now: Date, staleAfter: TimeInterval) throws -> Int {
        let cutoff = StoredTime.format(now.addingTimeInterval(-staleAfter))
        return try conn.run("""
            UPDATE job_runs SET outcome = 'interrupted', finished_at = ?,
                message = 'interrupted: no heartbeat from instance ' || coalesce(instance_id, '?') || ' since ' || coalesce(heartbeat_at, started_at)
            WHERE outcome = 'running' AND coalesce(heartbeat_at, started_at) < ?
            """, [.text(StoredTime.format(now)), .text(cutoff)])
    }

    /// One page of runs (of `job` only, when given), newest first, and how many there are in all.
    static func list(_ conn: Connection, job: String?, limit: Int, offset: Int) throws -> (runs: [JobRun], total: Int) {
        let filter: SQL = job.map { name -> SQL in "WHERE job = \(bind: name)" } ?? ""
        let total = try conn.scalar("SELECT count(*) FROM job_runs \(sql: filter)").int64Value ?? 0
        let rows = try conn.query("SELECT * FROM job_runs \(sql: filter) ORDER BY started_at DESC, id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)")
        return (try rows.map(decode), Int(total))
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
                      startedAt: try r.decodeTime("started_at"), finishedAt: try r.decodeTimeIfPresent("finished_at"),
                      outcome: try r.decode(JobRun.Outcome.self, "outcome"), message: try r.decodeIfPresent(String.self, "message"),
                      counts: counts, instanceId: try r.decodeIfPresent(String.self, "instance_id"),
                      heartbeatAt: try r.decodeTimeIfPresent("heartbeat_at"))
    }
}

extension JobTrigger: SQLDecodable {}
extension JobRun.Outcome: SQLDecodable {}
