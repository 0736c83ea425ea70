import Foundation
import Support

/// How instants are stored: RFC 3339 UTC text with milliseconds (`2026-11-25T18:00:00.123Z`),
/// which sorts lexicographically in time order and reads well in `sqlite3`.
public enum StoredTime {
    /// Text for a column.
    public static func format(_ date: Date) -> String {
        RFC3339.formatMilliseconds(date)
    }

    /// Parses column text back (nil for malformed).
    public static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        return RFC3339.parse(text)
    }
}
