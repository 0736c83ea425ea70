import Foundation
import Support

/// IMF-fixdate (RFC 9110 §5.6.7) for the `Date` header, formatted at most once per second.
///
/// Confined to the loop thread (no lock): a worker gets the date taken when its request was
/// dispatched, which RFC 9110 §6.6.1 allows ("the best available approximation").
final class HTTPDateCache {
    private var second = -1
    private var text = ""

    /// The current date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    func now() -> String {
        let current = Int(Date().timeIntervalSince1970)
        if current != second {
            second = current
            text = Self.format(epochSeconds: current)
        }
        return text
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats seconds since 1970.
    static func format(epochSeconds: Int) -> String {
        let t = CivilTime(epochSeconds: Int64(epochSeconds))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdays[t.weekday]), \(two(t.day)) \(months[t.month - 1]) \(t.year) \(two(t.hour)):\(two(t.minute)):\(two(t.second)) GMT"
    }
}
