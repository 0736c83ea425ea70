import Foundation
import Outbound
import Support
import Synchronization

/// Delivers webhook events the way Asaas does (CONTRACT.md §6.5): one sequential queue, POST JSON
/// with `asaas-access-token`, only a 200 counts, failures retried on Asaas's schedule (scaled by
/// `timeScale`) and the failing event blocks the ones behind it. After `maxAttempts` failures the
/// event is dropped and logged (real Asaas pauses the queue instead).
///
/// With `duplicates`, every event is delivered twice and the second copy is held back until the
/// next event has gone out, so receivers also see older events after newer ones.
final class WebhookDispatcher: Sendable {
    /// Seconds before attempt n+1 (Asaas's published penalty schedule).
    static let schedule: [Double] = [30, 60, 210, 300, 900, 1500, 3600, 3600, 3600, 3600, 3600, 7200, 7200, 10800]

    struct Envelope: Sendable {
        let id: String
        let event: String
        let body: [UInt8]
    }

    private struct Queue {
        var pending: [Envelope] = []
        var heldCopy: Envelope?
        var inFlight = false
        var stopped = false
        var sequence = 7_686_000
        var delivered = 0
    }

    private let url: String?
    private let token: String?
    private let duplicates: Bool
    private let timeScale: Double
    private let maxAttempts: Int
    private let timeout: Double
    private let logger: Logger
    private let client = OutboundHTTPClient(userAgent: "Asaas_Hmlg/3.0 (asaas-fake)")
    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(url: String?, token: String?, duplicates: Bool, timeScale: Double, maxAttempts: Int, timeout: Double, logger: Logger) {
        self.url = url.flatMap { $0.isEmpty ? nil : $0 }
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.duplicates = duplicates
        self.timeScale = timeScale
        self.maxAttempts = max(1, maxAttempts)
        self.timeout = timeout
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "asaas-fake-webhooks"
        thread.start()
    }

    /// Queues `event` with `key: object` (`payment` or `subscription`); a no-op without a webhook URL.
    func enqueue(event: String, key: String, object: JSON) {
        guard url != nil else { return }
        let scheduleFlush: Envelope? = queue.withLock { q in
            guard !q.stopped else { return nil }
            q.sequence += 1
            let id = "evt_" + Hex.encode(SecureRandom.bytes(16)) + "&\(q.sequence)"
            var envelope = JSONObject()
            envelope["id"] = .string(id)
            envelope["event"] = .string(event)
            envelope["dateCreated"] = .string(FakeDate.timestamp())
            envelope[key] = object
            let item = Envelope(id: id, event: event, body: JSON.object(envelope).serialized())
            q.pending.append(item)
            guard duplicates else { return nil }
            if let held = q.heldCopy { q.pending.append(held) }
            q.heldCopy = item
            return item
        }
        wake.signal()
        if let held = scheduleFlush {
            // Release the held copy if no newer event pushes it out soon.
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0.05, 0.2 * timeScale * 30)) { [self] in
                let released = queue.withLock { q -> Bool in
                    guard let current = q.heldCopy, current.id == held.id, !q.stopped else { return false }
                    q.heldCopy = nil
                    q.pending.append(current)
                    return true
                }
                if released { wake.signal() }
            }
        }
    }

    /// True when nothing is queued, held back or being delivered.
    var isIdle: Bool { queue.withLock { $0.pending.isEmpty && $0.heldCopy == nil && !$0.inFlight } }

    /// Deliveries that got a 200.
    var deliveredCount: Int { queue.withLock { $0.delivered } }

    /// Stops the delivery thread (events still queued are dropped) and waits for it.
    func shutdown() {
        let wasRunning = queue.withLock { q -> Bool in
            defer { q.stopped = true }
            return !q.stopped
        }
        guard wasRunning else { return }
        wake.signal()
        finished.wait()
    }

    private var isStopped: Bool { queue.withLock { $0.stopped } }

    private func run() {
        defer { finished.signal() }
        while true {
            wake.wait()
            while let next = takeNext() {
                deliver(next)
                queue.withLock { $0.inFlight = false }
            }
            if isStopped { return }
        }
    }

    private func takeNext() -> Envelope? {
        queue.withLock { q in
            guard !q.stopped, !q.pending.isEmpty else { return nil }
            q.inFlight = true
            return q.pending.removeFirst()
        }
    }

    private func deliver(_ envelope: Envelope) {
        guard let url else { return }
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("asaas-access-token", token)) }
        var request = OutboundRequest(method: "POST", url: url, headers: headers, body: envelope.body)
        request.timeout = timeout
        request.connectTimeout = min(5, timeout)
        for attempt in 1...maxAttempts {
            var outcome: String
            do {
                let response = try client.send(request)
                if response.status == 200 {
                    queue.withLock { $0.delivered += 1 }
                    logger.info("webhook delivered", ["event": envelope.event, "id": envelope.id, "attempt": String(attempt)])
                    return
                }
                outcome = String(response.status)
            } catch {
                outcome = "\(error)"
            }
            logger.warning("webhook delivery failed",
                           ["event": envelope.event, "id": envelope.id, "attempt": String(attempt), "outcome": outcome])
            guard attempt < maxAttempts else { break }
            let delay = Self.schedule[min(attempt - 1, Self.schedule.count - 1)] * timeScale
            // Sleep in short slices so shutdown stays prompt during long (unscaled) delays.
            let deadline = Date().addingTimeInterval(delay)
            while Date() < deadline {
                if isStopped { return }
                Thread.sleep(forTimeInterval: min(0.05, max(0, deadline.timeIntervalSinceNow)))
            }
        }
        logger.error("webhook dropped after \(maxAttempts) attempts", ["event": envelope.event, "id": envelope.id])
    }
}
