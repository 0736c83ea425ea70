import Foundation
import Support

/// Credit for the unused part of the old price and charge for the rest of the period at the new
/// price, both by seconds and rounded half to even to the cent (SPEC §7).
public enum Proration {
    /// `price × (end − at) / (end − start)`: the part of `price` for the time left at `at`.
    public static func remaining(price: Int64, start: Date, end: Date, at: Date) -> Int64 {
        let length = Int64(end.timeIntervalSince1970) - Int64(start.timeIntervalSince1970)
        let left = Int64(end.timeIntervalSince1970) - Int64(max(at, start).timeIntervalSince1970)
        guard length > 0, left > 0 else { return 0 }
        return Money.mulDivHalfEven(price, min(left, length), length) ?? 0
    }

    /// The lines a change at `at` puts on the next invoice: a credit (negative) and a charge; zero lines are dropped.
    public static func lines(oldPrice: Int64, oldPeriod: (start: Date, end: Date), oldLabel: String,
                             newPrice: Int64, newPeriod: (start: Date, end: Date), newLabel: String, at: Date) -> [(description: String, amountCents: Int64)] {
        let credit = remaining(price: oldPrice, start: oldPeriod.start, end: oldPeriod.end, at: at)
        let charge = remaining(price: newPrice, start: newPeriod.start, end: newPeriod.end, at: at)
        var out: [(String, Int64)] = []
        let day = { (d: Date) in RFC3339.formatDate(d) }
        if credit != 0 { out.append(("Unused time on \(oldLabel) after \(day(at))", -credit)) }
        if charge != 0 { out.append(("Remaining time on \(newLabel) from \(day(at)) to \(day(newPeriod.end))", charge)) }
        return out
    }
}
