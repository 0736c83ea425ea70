import Foundation
import Storage
import Support
import Testing
@testable import Billing

/// Security round item 7: a job run is visible from its start, and a run whose process died shows as `interrupted`.
struct JobRunRecordTests {
    @Test func run_IsRecordedRunningFirst_ThenFinished_WithItsInstance() throws {
        let w = try BillingTestWorld()
        let run = try w.jobs().run(.markOverdue, trigger: .cli)
        let row = try #require(try w.database.read { try $0.queryOne("SELECT * FROM job_runs WHERE id = ?", [.text(run.id)]) })
        #expect(row.string("outcome") == "ok" && row.string("finished_at") != nil)
        #expect(row.string("instance_id") == JobRunner.instanceId)
        #expect(try w.jobs().recentRuns(job: "mark_overdue", limit: 5).first?.instanceId == JobRunner.instanceId)
    }

    @Test func aRunWithoutHeartbeatForAMinute_IsMarkedInterrupted_NamingItsInstance() throws {
        let w = try BillingTestWorld()
        let now = w.clock.now()
        try w.database.write { conn in
            try JobRunStore.insertRunning(conn, id: "01000000-0000-7000-8000-000000000001", job: "generate_invoices", trigger: .scheduler,
                                          asOf: now, dryRun: false, startedAt: now.addingTimeInterval(-600), instanceId: "host-a-dead")
            try JobRunStore.insertRunning(conn, id: "01000000-0000-7000-8000-000000000002", job: "generate_invoices", trigger: .cli,
                                          asOf: now, dryRun: false, startedAt: now.addingTimeInterval(-600), instanceId: "host-b-alive")
            try JobRunStore.heartbeat(conn, id: "01000000-0000-7000-8000-000000000002", at: now.addingTimeInterval(-10))
        }
        #expect(try w.jobs().markInterruptedRuns() == 1)
        let runs = try w.jobs().recentRuns(job: "generate_invoices", limit: 10)
        let dead = try #require(runs.first { $0.instanceId == "host-a-dead" })
        #expect(dead.outcome == .interrupted && dead.finishedAt == now)
        #expect(dead.message?.contains("host-a-dead") == true)
        #expect(runs.first { $0.instanceId == "host-b-alive" }?.outcome == .running)  // a live heartbeat: still running
        // The next run of any job sweeps as well, and is recorded itself.
        w.clock.advance(by: 120)
        _ = try w.jobs().run(.markOverdue, trigger: .cli)
        #expect(try w.jobs().recentRuns(job: "generate_invoices", limit: 10).allSatisfy { $0.outcome == .interrupted })
    }
}
