import Testing
@testable import Billing

/// The whole from × to table of the invoice status machine.
struct InvoiceStatusTests {
    static let allowed: Set<String> = [
        "draft>pending", "draft>cancelled",
        "pending>paid", "pending>overdue", "pending>cancelled",
        "overdue>paid", "overdue>cancelled",
        "paid>refunded",
    ]

    @Test func statusMachine_EveryPair() {
        for from in Invoice.Status.allCases {
            for to in Invoice.Status.allCases {
                let key = "\(from.rawValue)>\(to.rawValue)"
                #expect(from.canMove(to: to) == Self.allowed.contains(key), "\(key)")
            }
        }
    }
}
