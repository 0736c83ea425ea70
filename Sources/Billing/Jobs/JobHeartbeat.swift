import Foundation
import Storage
import Support
import Synchronization

/// Renews a running job run's `heartbeat_at` every `every` seconds until stopped, so other instances can tell a long
/// run from one whose process died (`JobRunner.staleAfter`).
final class JobHeartbeat: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    init(database: Database, clock: any WallClock, runId: String, every: TimeInterval) {
        Thread { [self] in
            while wake.wait(timeout: .now() + every) == .timedOut, !stopped.load(ordering: .acquiring) {
                _ = try? database.write { conn in try JobRunStore.heartbeat(conn, id: runId, at: clock.now()) }
            }
        }.start()
    }

    /// Ends the heartbeat (idempotent); the thread exits at once.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
    }
}

extension JobRunner {
    /// This process's id in `job_runs.instance_id` (random per start: a restarted instance is another one).
    public static let instanceId = "\(ProcessInfo.processInfo.hostName.prefix(40))-\(UUIDv7.random().prefix(8))"
    /// A `running` run whose heartbeat is older than this is taken for dead (`interrupted`).
    static let staleAfter: TimeInterval = 60
    static let heartbeatEvery: TimeInterval = 15

    /// Marks the runs whose process died (`running` without a heartbeat for a minute) as `interrupted`; at startup and
    /// before every run. Returns how many.
    @discardableResult
    public func markInterruptedRuns() throws -> Int {
        let now = clock.now()
        return try database.write { conn in try JobRunStore.markInterrupted(conn, now: now, staleAfter: Self.staleAfter) }
    }
}
