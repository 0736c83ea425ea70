import Foundation
import Support
import Testing
@testable import Billing

/// The hand-written RFC 3339 formatter against the C library's `gmtime_r` + printf it replaced.
struct RFC3339FormatTests {
    static func reference(_ date: Date, milliseconds: Bool) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                          Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return base + (milliseconds ? String(format: ".%03lld", ms - seconds * 1000) : "") + "Z"
    }

    @Test func format_MatchesGmtime_ForRandomAndBoundaryInstants() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [0, -0.001, -1, 86_399.999, 951_782_400 /* 2000-02-29 */, 4_107_542_399.999 /* 2100-02-28T23:59:59 */,
                                  253_402_300_799.999 /* 9999-12-31T23:59:59.999 */, -62_167_219_200 /* 0000-01-01 */]
        for _ in 0..<20_000 { instants.append(Double(Int64.random(in: -62_167_219_200_000...253_402_300_799_999, using: &generator)) / 1000) }
        for t in instants {
            let date = Date(timeIntervalSince1970: t)
            #expect(RFC3339.format(date) == Self.reference(date, milliseconds: false), "\(t)")
            #expect(StoredTime.format(date) == Self.reference(date, milliseconds: true), "\(t)")
        }
        #expect(StoredTime.format(RFC3339.parse("2026-11-25T18:00:00.123Z")!) == "2026-11-25T18:00:00.123Z")
        #expect(RFC3339.formatDate(RFC3339.parse("2024-02-29T23:59:59Z")!) == "2024-02-29")
    }
}
