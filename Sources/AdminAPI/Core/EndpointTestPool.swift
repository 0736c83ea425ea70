import Foundation
import HTTP

/// Runs `test_webhook_endpoint` calls on threads of its own, off the HTTP request workers (issue 20).
///
/// A test blocks for its whole outbound exchange (up to `WebhookDispatcher.testTimeoutSeconds`). On the request
/// workers, 80 concurrent tests from one tenant to an unroutable address held every worker, and another
/// client's `/health` waited 2.56 s. Here a tenant has at most `perTenant` tests running or waiting (more →
/// 429 `rate_limited`), all tenants together at most `threads` running and `maxWaiting` waiting (more → 503),
/// and the request worker is free as soon as the test is handed over (the response is deferred,
/// `HTTPResponse.deferred`). Threads start on demand and end after `idleSeconds` without work.
public final class EndpointTestPool: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var perTenantCount: [String: Int] = [:]
    private var threadCount = 0
    private var idleThreads = 0
    private var stopped = false

    public let threads: Int
    public let perTenant: Int
    public let maxWaiting: Int
    let idleSeconds: Double

    public init(threads: Int = 4, perTenant: Int = 2, maxWaiting: Int = 32, idleSeconds: Double = 30) {
        self.threads = max(1, threads)
        self.perTenant = max(1, perTenant)
        self.maxWaiting = max(0, maxWaiting)
        self.idleSeconds = idleSeconds
    }

    /// A place held for one test of `tenant`; `run` hands the work over. Dropped unused, it gives the place back.
    public final class Permit: @unchecked Sendable {
        // @unchecked: `used` is only touched by the one thread that holds the permit, then by deinit.
        private let pool: EndpointTestPool
        private let tenant: String
        private var used = false

        fileprivate init(pool: EndpointTestPool, tenant: String) {
            self.pool = pool
            self.tenant = tenant
        }

        /// Queues `job` on the pool's threads; the place is given back when it has run.
        public func run(_ job: @escaping @Sendable () -> Void) {
            guard !used else { return }
            used = true
            pool.enqueue(tenant: tenant, job)
        }

        deinit {
            if !used { pool.release(tenant: tenant) }
        }
    }

    /// Why no place was given.
    public enum Refusal: Error, Sendable, Equatable {
        /// The tenant already has `perTenant` tests running or waiting.
        case tenantBusy
        /// Every thread is busy and `maxWaiting` tests wait already (or the pool is stopped).
        case full
    }

    /// Holds a place for a test of `tenant`, or says why there is none.
    public func reserve(tenant: String) throws(Refusal) -> Permit {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { throw .full }
        guard perTenantCount[tenant, default: 0] < perTenant else { throw .tenantBusy }
        let held = perTenantCount.values.reduce(0, +)
        guard held < threads + maxWaiting else { throw .full }
        perTenantCount[tenant, default: 0] += 1
        return Permit(pool: self, tenant: tenant)
    }

    /// Tests running or waiting, per tenant (for tests and metrics).
    public var heldPlaces: [String: Int] {
        condition.lock()
        defer { condition.unlock() }
        return perTenantCount
    }

    /// Refuses new tests; queued ones still run, then the threads end.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func enqueue(tenant: String, _ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append { [self] in
            job()
            release(tenant: tenant)
        }
        // More jobs waiting than idle threads to take them (a signalled thread may not have woken yet).
        let startThread = jobs.count > idleThreads && threadCount < threads
        if startThread { threadCount += 1 }
        condition.unlock()
        condition.signal()
        guard startThread else { return }
        let thread = Thread { [self] in work() }
        thread.name = "endpoint-test"
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func release(tenant: String) {
        condition.lock()
        let left = perTenantCount[tenant, default: 1] - 1
        perTenantCount[tenant] = left > 0 ? left : nil
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            if jobs.isEmpty {
                if stopped { break }
                idleThreads += 1
                let woke = condition.wait(until: Date().addingTimeInterval(idleSeconds))
                idleThreads -= 1
                if !woke && jobs.isEmpty { break }
                continue
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
        threadCount -= 1
        condition.unlock()
    }
}
