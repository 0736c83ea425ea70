import Synchronization

/// Where workers leave completions for the loop thread: a lock-free multi-producer stack that the
/// single consumer empties whole (a Treiber push plus exchange-all).
///
/// Every worker posts at least once per request, so a mutex here made workers queue behind each
/// other. Exchange-all has no ABA hazard: a producer never reads the node it links to, and the
/// consumer restores FIFO order by reversing what it took.
final class CompletionMailbox: @unchecked Sendable {
    // @unchecked: `head` holds raw pointers (not Sendable); they are only exchanged atomically.
    private final class Node: @unchecked Sendable {
        // @unchecked: `next` is written only by the pushing thread before the node is published.
        let completion: Completion
        var next: UnsafeMutableRawPointer?
        init(_ completion: Completion) { self.completion = completion }
    }

    private let head = Atomic<UnsafeMutableRawPointer?>(nil)

    init() {}

    deinit { _ = takeAll() }

    /// Adds `completion`; true when the mailbox was empty (the loop needs a wake-up).
    func post(_ completion: Completion) -> Bool {
        let node = Unmanaged.passRetained(Node(completion))
        let raw = node.toOpaque()
        var expected = head.load(ordering: .relaxed)
        while true {
            node.takeUnretainedValue().next = expected
            let (exchanged, current) = head.compareExchange(expected: expected, desired: raw, ordering: .releasing)
            if exchanged { return expected == nil }
            expected = current
        }
    }

    /// Everything posted so far, oldest first.
    func takeAll() -> [Completion] {
        var raw = head.exchange(nil, ordering: .acquiring)
        guard raw != nil else { return [] }
        var out: [Completion] = []
        while let pointer = raw {
            let node = Unmanaged<Node>.fromOpaque(pointer).takeRetainedValue()
            out.append(node.completion)
            raw = node.next
        }
        out.reverse()
        return out
    }
}
