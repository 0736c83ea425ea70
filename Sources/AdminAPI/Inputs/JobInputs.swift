import Billing
import Support
import Foundation

/// `run_job`.
struct RunJobInput: ActionInput {
    static let job = Field<JobName>.enumeration("job", JobName.self, "The job to run").required().example("check_quotas")
    static let now = Field<Date>.timestamp("now", "Run as of this instant instead of the clock's (replays, tests)")
    static let dryRun = Field<Bool>.bool("dry_run", "Count what the job would do without writing it")
    static let fields = [job.spec, now.spec, dryRun.spec]

    let job: JobName
    let now: Date?
    let dryRun: Bool

    init(_ r: inout InputReader) {
        job = r(Self.job)
        now = r(Self.now)
        dryRun = r(Self.dryRun) ?? false
    }
}

/// `list_job_runs`.
struct ListJobRunsInput: ActionInput {
    static let job = Field<JobName>.enumeration("job", JobName.self, "Only runs of this job")
    static let fields = [job.spec] + Page.fields(defaultLimit: 50)

    let job: JobName?
    let page: Page

    init(_ r: inout InputReader) {
        job = r(Self.job)
        page = Page(&r, defaultLimit: 50)
    }
}
