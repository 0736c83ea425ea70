import Foundation
import Testing
@testable import Billing

struct MoneyTests {
    @Test(arguments: [
        // (quantity, micros, cents) — 10,000 micros = 1 cent
        (Int64(1), Int64(5_000), Int64(0)),      // 0.5 → 0 (even)
        (1, 15_000, 2),                            // 1.5 → 2
        (1, 25_000, 2),                            // 2.5 → 2 (even)
        (1, 35_000, 4),                            // 3.5 → 4
        (1, 25_001, 3),                            // just above half
        (1, 24_999, 2),
        (3, 3_333, 1),                             // 0.9999 → 1
        (1234, 10_000, 1234),
        (7, 12_345, 9),                            // 8.6415 → 9
        (0, 99_999, 0),
        (1_000_000_000_000, 1_000_000, 100_000_000_000_000),  // no overflow: full-width product
    ])
    func lineCents_RoundsHalfEven(quantity: Int64, micros: Int64, cents: Int64) {
        #expect(Money.lineCents(quantity: quantity, unitMicros: micros) == cents)
    }

    @Test func mulDiv_Negative_And_Overflow() {
        #expect(Money.mulDivHalfEven(-5, 1, 2) == -2)   // -2.5 → -2
        #expect(Money.mulDivHalfEven(-7, 1, 2) == -4)   // -3.5 → -4
        #expect(Money.mulDivHalfEven(Int64.max, Int64.max, 1) == nil)
    }

    @Test func format_TwoPlaces() {
        #expect(Money.format(12345) == "123.45")
        #expect(Money.format(5) == "0.05")
        #expect(Money.format(-5) == "-0.05")
        #expect(Money.format(0) == "0.00")
    }

    /// Proration by hand: a 4,900-cent monthly plan over Feb 2026 (28 days = 2,419,200 s), changed to a
    /// 19,900-cent plan after 10 days: credit 4900 × 18/28 = 3150 exactly, charge 19900 × 18/28 = 12792.857… → 12793.
    @Test func proration_ByHandComputedCents() {
        let start = date("2026-02-01T00:00:00Z"), end = date("2026-03-01T00:00:00Z"), at = date("2026-02-11T00:00:00Z")
        #expect(Proration.remaining(price: 4900, start: start, end: end, at: at) == 3150)
        #expect(Proration.remaining(price: 19900, start: start, end: end, at: at) == 12793)
        // 1000 cents, 1/3 of a 3-second period left: 333.33 → 333; 1/2 left of 3 cents: 1.5 → 2
        #expect(Proration.remaining(price: 1000, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 3), at: Date(timeIntervalSince1970: 2)) == 333)
        #expect(Proration.remaining(price: 3, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 2), at: Date(timeIntervalSince1970: 1)) == 2)
        #expect(Proration.remaining(price: 5, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 2), at: Date(timeIntervalSince1970: 1)) == 2)
        // Outside the period: nothing left / everything left.
        #expect(Proration.remaining(price: 4900, start: start, end: end, at: end) == 0)
        #expect(Proration.remaining(price: 4900, start: start, end: end, at: date("2026-01-01T00:00:00Z")) == 4900)
    }
}
