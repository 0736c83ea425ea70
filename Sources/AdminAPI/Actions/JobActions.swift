import Billing
import HTTP
import Support

/// Background jobs on demand (SPEC §10).
enum JobActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("run_job", [.POST], .superAdmin, scope: .none, summary: "Run a billing job now (job, now?, dry_run?) and return its recorded run") { r in
                guard let job = try r.params.enumeration("job", JobName.self) else { throw APIError.validation("job", "is required") }
                let now = try r.params.timestamp("now")
                let dryRun = try r.params.bool("dry_run") ?? false
                return .ok(Present.jobRun(try s.jobs.run(job, now: now, dryRun: dryRun, trigger: .api)))
            },
            Action("list_job_runs", [.GET], .superAdmin, scope: .none, summary: "Recent job runs, newest first (filter by job)") { r in
                let job = try r.params.string("job", maxLength: 64)
                let limit = try r.params.int("limit", in: 1...500) ?? 50
                return .ok(.array(try s.jobs.recentRuns(job: job, limit: Int(limit)).map(Present.jobRun)))
            },
        ]
    }
}
