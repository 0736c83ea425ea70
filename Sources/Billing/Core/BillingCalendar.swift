import Foundation
import Support

/// Calendar windows in `BILLING_TIMEZONE`: the one place that knows where an hour, a day or a
/// month starts and ends (SPEC §5 "Periods"). Works in Unix seconds; DST-aware for non-UTC zones.
public struct BillingCalendar: Sendable {
    public let timeZone: TimeZone
    private let isUTC: Bool

    public init(timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.timeZone = timeZone
        isUTC = timeZone.secondsFromGMT() == 0 && timeZone.nextDaylightSavingTimeTransition == nil
    }

    /// The start (Unix seconds) of the `period` window containing `seconds`; 0 for `total`.
    public func periodStart(_ period: PeriodType, containing seconds: Int64) -> Int64 {
        switch period {
        case .total: return 0
        case .hourly: return localFloor(seconds) { local in floorDiv(local, 3600) * 3600 }
        case .daily: return localFloor(seconds) { local in floorDiv(local, 86400) * 86400 }
        case .monthly:
            return localFloor(seconds) { local in
                let days = Int(floorDiv(local, 86400))
                let (y, m, _) = CivilTime.date(fromDays: days)
                return Int64(CivilTime.days(year: y, month: m, day: 1)) * 86400
            }
        }
    }

    /// The end (exclusive, Unix seconds) of the window that starts at `start`; nil for `total`.
    public func periodEnd(_ period: PeriodType, startingAt start: Int64) -> Int64? {
        switch period {
        case .total: return nil
        case .hourly: return periodStart(.hourly, containing: start + 3600 + 1800)
        case .daily: return periodStart(.daily, containing: start + 86400 + 7200)
        case .monthly: return periodStart(.monthly, containing: start + 32 * 86400)
        }
    }

    /// `Date` conveniences.
    public func periodStart(_ period: PeriodType, containing date: Date) -> Date {
        Date(timeIntervalSince1970: Double(periodStart(period, containing: Int64(floor(date.timeIntervalSince1970)))))
    }

    public func periodEnd(_ period: PeriodType, containing date: Date) -> Date? {
        let start = periodStart(period, containing: Int64(floor(date.timeIntervalSince1970)))
        return periodEnd(period, startingAt: start).map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// Applies `floorLocal` to local wall-clock seconds and converts the result back to UTC,
    /// re-reading the zone offset at the result so windows across a DST change start correctly.
    private func localFloor(_ seconds: Int64, _ floorLocal: (Int64) -> Int64) -> Int64 {
        if isUTC { return floorLocal(seconds) }
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
        let localStart = floorLocal(seconds + offset)
        let offsetAtStart = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(localStart - offset))))
        return localStart - offsetAtStart
    }
}

/// Floor division that rounds toward negative infinity.
@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
