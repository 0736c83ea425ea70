import Foundation

/// A fixed set of threads draining a bounded FIFO of jobs.
///
/// Handlers may block (SQLite, libcurl), so they never run on the event-loop thread; the bound on
/// the queue is what turns overload into a fast 503 instead of unbounded memory.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [(@Sendable () -> Void)?] = []
    private var head = 0
    private var stopping = false
    private var running = 0
    private let maxQueued: Int

    init(threads: Int, maxQueued: Int, name: String = "http-worker") {
        self.maxQueued = max(1, maxQueued)
        for i in 0..<max(1, threads) {
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(i)"
            thread.stackSize = 1 << 20
            running += 1
            thread.start()
        }
    }

    /// Enqueues `job`; false when the queue is full or the pool is stopping.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        guard !stopping, jobs.count - head < maxQueued else {
            condition.unlock()
            return false
        }
        jobs.append(job)
        condition.unlock()
        // Signalled after unlocking, so the woken worker does not immediately block on the lock.
        condition.signal()
        return true
    }

    /// Lets queued jobs finish, then ends the threads (does not wait for them).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count && !stopping { condition.wait() }
            if head == jobs.count {
                running -= 1
                condition.unlock()
                return
            }
            let job = jobs[head]!
            jobs[head] = nil
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
