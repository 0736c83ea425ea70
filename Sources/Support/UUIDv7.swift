import Foundation
import Synchronization

/// Time-ordered UUIDs (RFC 9562 §5.7): 48 bits of Unix milliseconds, a 12-bit counter, then CSPRNG bits.
///
/// Rows keyed by these ids append at the right edge of the primary-key B-tree
/// instead of splitting random pages, which keeps inserts fast at volume.
///
/// Within one process, ids made for the same millisecond count up (RFC 9562 §6.2, method 1: `rand_a` is a
/// counter starting at a random value in its lower half), so `ORDER BY id` is creation order even when many
/// rows share a timestamp — what SQLite's rowid gave, which PostgreSQL does not have. Ids for an instant
/// older than the newest one made so far (a usage event's past `occurred_at`) keep random `rand_a`.
public enum UUIDv7 {
    /// `(milliseconds << 12) | counter` of the newest id made in this process.
    private static let newest = Atomic<UInt64>(0)

    /// A new version-7 UUID string (lower case, hyphenated) for `date`.
    public static func make(at date: Date = Date()) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xffff_ffff_ffff
        var bytes = SecureRandom.bytes(16)
        var counter = (UInt64(bytes[6] & 0x07) << 8) | UInt64(bytes[7])
        var current = newest.load(ordering: .relaxed)
        while true {
            let lastMillis = current >> 12
            if millis < lastMillis { break }
            if millis == lastMillis {
                guard current & 0xfff < 0xfff else { break }  // 4,096 ids in one millisecond: the rest stay random
                counter = (current & 0xfff) + 1
            }
            let (exchanged, original) = newest.compareExchange(expected: current, desired: (millis << 12) | counter, ordering: .relaxed)
            if exchanged { break }
            current = original
        }
        for i in 0..<6 { bytes[i] = UInt8((millis >> (8 * (5 - UInt64(i)))) & 0xff) }
        bytes[6] = 0x70 | UInt8(counter >> 8)
        bytes[7] = UInt8(counter & 0xff)
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return format(bytes)
    }

    /// A random version-4 UUID string, for ids whose order must not leak time.
    public static func random() -> String {
        var bytes = SecureRandom.bytes(16)
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return format(bytes)
    }

    /// True when `text` is a canonical hyphenated UUID.
    public static func isValid(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return false }
        for (i, c) in utf8.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != UInt8(ascii: "-") { return false }
            } else if !((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
                return false
            }
        }
        return true
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// 8-4-4-4-12 lower-case hex, written straight into the string's storage (this runs per event).
    static func format(_ b: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            var o = 0
            for (i, byte) in b.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    out[o] = UInt8(ascii: "-")
                    o += 1
                }
                out[o] = digits[Int(byte >> 4)]
                out[o + 1] = digits[Int(byte & 0x0f)]
                o += 2
            }
            return o
        }
    }
}
