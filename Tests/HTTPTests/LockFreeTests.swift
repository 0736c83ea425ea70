import Foundation
import Support
import Testing
@testable import HTTP

/// The lock-free pieces the workers share: the completion mailbox and the request metrics.
struct LockFreeTests {
    @Test func mailbox_KeepsEveryCompletion_InOrderPerProducer_UnderConcurrentPosts() {
        let mailbox = CompletionMailbox()
        let producers = 8, perProducer = 20_000
        let taken = LockedValue<[Completion]>([])
        let done = DispatchSemaphore(value: 0)
        let consumer = Thread {
            var finished = false
            while !finished {
                let batch = mailbox.takeAll()
                taken.withLock { $0 += batch }
                finished = done.wait(timeout: .now()) == .success
            }
            let rest = mailbox.takeAll()
            taken.withLock { $0 += rest }
        }
        consumer.start()
        DispatchQueue.concurrentPerform(iterations: producers) { p in
            for i in 0..<perProducer {
                _ = mailbox.post(Completion(key: UInt64(p) << 32 | UInt64(i), bytes: [], end: nil, gate: nil))
            }
        }
        done.signal()
        while !consumer.isFinished { usleep(1000) }
        let all = taken.get()
        #expect(all.count == producers * perProducer)
        var next = [UInt64](repeating: 0, count: producers)
        for c in all {
            let p = Int(c.key >> 32)
            #expect(c.key & 0xffff_ffff == next[p], "producer \(p) out of order")
            next[p] += 1
        }
        #expect(mailbox.takeAll().isEmpty)
    }

    @Test func mailbox_SaysWhenItWasEmpty() {
        let mailbox = CompletionMailbox()
        #expect(mailbox.post(Completion(key: 1, bytes: [], end: nil, gate: nil)))
        #expect(!mailbox.post(Completion(key: 2, bytes: [], end: nil, gate: nil)))
        #expect(mailbox.takeAll().map(\.key) == [1, 2])
        #expect(mailbox.post(Completion(key: 3, bytes: [], end: nil, gate: nil)))
    }

    @Test func metrics_CountEveryRequest_FromManyThreads() {
        let metrics = HTTPMetrics()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<10_000 { metrics.record(status: t % 2 == 0 ? 200 : 503, durationNanoseconds: UInt64(i)) }
        }
        #expect(metrics.requestsByStatus == [200: 40_000, 503: 40_000])
        let text = metrics.renderPrometheus()
        #expect(text.contains(#"billing_http_request_duration_seconds_bucket{le="+Inf"} 80000"#))
        #expect(text.contains(#"billing_http_request_duration_seconds_bucket{le="0.0005"} 80000"#))
        metrics.record(status: 999, durationNanoseconds: 1)
        #expect(metrics.requestsByStatus[0] == 1)
    }
}
