import Foundation
import Support
import Testing
@testable import Billing

/// Anchored cycle arithmetic: every boundary is computed from the anchor, keeping its day.
struct CycleCalendarTests {
    let calendar = BillingCalendar()

    @Test(arguments: [
        // (anchor, cycle, boundary index, expected)
        ("2026-01-31T10:00:00Z", BillingCycle.monthly, 1, "2026-02-28T10:00:00Z"),
        ("2026-01-31T10:00:00Z", .monthly, 2, "2026-03-31T10:00:00Z"),
        ("2026-01-31T10:00:00Z", .monthly, 3, "2026-04-30T10:00:00Z"),
        ("2028-01-31T00:00:00Z", .monthly, 1, "2028-02-29T00:00:00Z"),  // leap year
        ("2028-01-31T00:00:00Z", .monthly, 2, "2028-03-31T00:00:00Z"),
        ("2026-01-30T00:00:00Z", .monthly, 1, "2026-02-28T00:00:00Z"),
        ("2026-03-31T00:00:00Z", .monthly, 1, "2026-04-30T00:00:00Z"),
        ("2026-12-31T23:59:59Z", .monthly, 1, "2027-01-31T23:59:59Z"),
        ("2026-12-15T00:00:00Z", .monthly, 14, "2028-02-15T00:00:00Z"),
        ("2026-11-30T00:00:00Z", .quarterly, 1, "2027-02-28T00:00:00Z"),
        ("2026-11-30T00:00:00Z", .quarterly, 2, "2027-05-30T00:00:00Z"),
        ("2027-11-30T00:00:00Z", .quarterly, 1, "2028-02-29T00:00:00Z"),
        ("2026-01-31T00:00:00Z", .quarterly, 1, "2026-04-30T00:00:00Z"),
        ("2026-01-31T00:00:00Z", .quarterly, 2, "2026-07-31T00:00:00Z"),
        ("2028-02-29T00:00:00Z", .yearly, 1, "2029-02-28T00:00:00Z"),
        ("2028-02-29T00:00:00Z", .yearly, 4, "2032-02-29T00:00:00Z"),
        ("2026-06-15T08:30:00Z", .yearly, 1, "2027-06-15T08:30:00Z"),
        ("2026-01-31T00:00:00Z", .monthly, 0, "2026-01-31T00:00:00Z"),
    ])
    func boundary_KeepsAnchorDay(anchor: String, cycle: BillingCycle, index: Int, expected: String) {
        let b = calendar.boundary(index, of: cycle, anchor: date(anchor))
        #expect(b.map(RFC3339.format) == expected)
    }

    @Test func boundary_IsNil_ForLifetime() {
        #expect(calendar.boundary(1, of: .lifetime, anchor: date("2026-01-31T00:00:00Z")) == nil)
        #expect(calendar.period(containing: date("2030-01-01T00:00:00Z"), cycle: .lifetime, anchor: date("2026-01-31T00:00:00Z")) == nil)
    }

    @Test func period_ContainingDate_IsTheAnchoredOne() {
        let anchor = date("2025-01-31T00:00:00Z")
        let p = calendar.period(containing: date("2026-03-05T00:00:00Z"), cycle: .monthly, anchor: anchor)!
        #expect(RFC3339.format(p.start) == "2026-02-28T00:00:00Z")
        #expect(RFC3339.format(p.end) == "2026-03-31T00:00:00Z")
        #expect(p.index == 13)
        let exact = calendar.period(containing: date("2026-03-31T00:00:00Z"), cycle: .monthly, anchor: anchor)!
        #expect(RFC3339.format(exact.start) == "2026-03-31T00:00:00Z")
        let before = calendar.period(containing: date("2024-01-01T00:00:00Z"), cycle: .yearly, anchor: anchor)!
        #expect(before.index == 0 && before.start == anchor)
    }

    @Test func addingMonths_KeepsLocalTime_InSaoPaulo() {
        let sp = BillingCalendar(timeZone: TimeZone(identifier: "America/Sao_Paulo")!)
        // 2026-01-31 00:00 local (-03:00) → 2026-02-28 00:00 local.
        let b = sp.boundary(1, of: .monthly, anchor: date("2026-01-31T03:00:00Z"))!
        #expect(RFC3339.format(b) == "2026-02-28T03:00:00Z")
    }
}
