import Foundation
import Support

/// How often a subscription renews; `lifetime` never does.
public enum BillingCycle: String, Sendable, CaseIterable {
    case monthly, quarterly, yearly, lifetime

    /// Calendar months per period; nil for `lifetime`.
    public var months: Int? {
        switch self {
        case .monthly: 1
        case .quarterly: 3
        case .yearly: 12
        case .lifetime: nil
        }
    }
}

/// Anchored cycle arithmetic (SPEC §7 "Period end keeps the anchor day").
///
/// Every period boundary is computed from the anchor, never from the previous boundary, so a
/// subscription anchored on Jan 31 ends its periods on Feb 28 (29 in leap years), Mar 31, Apr 30…
/// instead of drifting to the 28th. Wall-clock time of day is kept in `BILLING_TIMEZONE`.
extension BillingCalendar {
    /// `anchor` (Unix seconds) plus `months` calendar months: same day of month, clamped to the
    /// target month's length (Feb 29 + 12 months = Feb 28), same local time of day.
    public func addingMonths(_ months: Int, to anchor: Int64) -> Int64 {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(anchor))))
        let local = anchor + offset
        let days = Int(floorDiv(local, 86400))
        let secondOfDay = local - Int64(days) * 86400
        let (y, m, d) = CivilTime.date(fromDays: days)
        let monthIndex = (y * 12 + (m - 1)) + months
        let year = Int(floor(Double(monthIndex) / 12))
        let month = monthIndex - year * 12 + 1
        let day = min(d, RFC3339.daysInMonth(year: year, month: month))
        let targetLocal = Int64(CivilTime.days(year: year, month: month, day: day)) * 86400 + secondOfDay
        let offsetAtTarget = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(targetLocal - offset))))
        return targetLocal - offsetAtTarget
    }

    /// `Date` form of `addingMonths(_:to:)` (sub-second parts are dropped).
    public func addingMonths(_ months: Int, to anchor: Date) -> Date {
        Date(timeIntervalSince1970: Double(addingMonths(months, to: Int64(floor(anchor.timeIntervalSince1970)))))
    }

    /// Boundary `index` of a `cycle` anchored at `anchor`: boundary 0 is the anchor, boundary k
    /// ends period k-1. Nil for `lifetime`, which has no end.
    public func boundary(_ index: Int, of cycle: BillingCycle, anchor: Date) -> Date? {
        guard let months = cycle.months else { return nil }
        return addingMonths(months * index, to: anchor)
    }

    /// The anchored period `[start, end)` containing `date` (periods before the anchor count from it),
    /// with its index. Nil for `lifetime`.
    public func period(containing date: Date, cycle: BillingCycle, anchor: Date) -> (index: Int, start: Date, end: Date)? {
        guard cycle.months != nil else { return nil }
        var index = 0
        if date > anchor, let months = cycle.months {
            // Estimate from the elapsed days, then correct by at most a step either way.
            let elapsedMonths = Int(date.timeIntervalSince(anchor) / (86400 * 30.436875))
            index = max(0, elapsedMonths / months - 1)
        }
        while let end = boundary(index + 1, of: cycle, anchor: anchor), end <= date { index += 1 }
        while index > 0, let start = boundary(index, of: cycle, anchor: anchor), start > date { index -= 1 }
        return (index, boundary(index, of: cycle, anchor: anchor)!, boundary(index + 1, of: cycle, anchor: anchor)!)
    }
}
