import Billing
import HTTP
import Support

/// Background jobs on demand (SPEC §10).
enum JobActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("run_job", [.POST], .superAdmin, scope: .none, input: RunJobInput.self,
                   summary: "Run a billing job now (job, now?, dry_run?) and return its recorded run") { _, input in
                .ok(Present.jobRun(try s.jobs.run(input.job, now: input.now, dryRun: input.dryRun, trigger: .api)))
            },
            Action("list_job_runs", [.GET], .superAdmin, scope: .none, input: ListJobRunsInput.self,
                   summary: "Recent job runs, newest first (filter by job)") { _, input in
                let page = input.page
                let result = try s.jobs.listRuns(job: input.job?.rawValue, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.runs.map(Present.jobRun), total: result.total, limit: page.limit, offset: page.offset))
            },
        ]
    }
}
