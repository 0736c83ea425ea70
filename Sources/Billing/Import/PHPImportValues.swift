import Foundation
import Storage
import Support

/// Ids of imported rows: the PHP id is kept, deterministically, inside a UUID (our ids are UUID text).
///
/// Scheme (documented in docs/OPERATIONS.md, "Migrating from the PHP application"):
/// - an integer id `n` (the PHP's `mt_rand` ids, or digit strings), 0 ≤ n < 2^48, becomes
///   `00000000-0000-8000-80TT-<n as 12 hex digits>`, where `TT` is the table's code below
///   (version nibble 8 = RFC 9562 custom UUID, variant 10). PHP tenant 1234567 → `00000000-0000-8000-8001-00000012d687`.
/// - a text id that already is a UUID is kept as is (lowercased);
/// - any other text id becomes `SHA-256("php:<table>:<id>")`'s first 16 bytes with version 8 and variant 10 set.
///
/// Foreign keys go through the same function with the referenced table, so `usage_logs.tenant_id = 1234567`
/// maps to the same UUID as tenant 1234567. Re-running the import computes the same ids, which is what makes it
/// idempotent. The mapping can be reversed for integer ids: the last 12 hex digits are the PHP id.
public enum PHPImportIds {
    /// The table codes (`TT`): distinct per table so equal PHP ids in two tables never share a UUID.
    public static let tableCodes: [String: UInt8] = [
        "tenants": 0x01, "usage_logs": 0x02, "quotas": 0x03, "subscriptions": 0x04,
        "invoices": 0x05, "payment_methods": 0x06, "notifications": 0x07,
    ]

    static let maxIntegerId: Int64 = 1 << 48

    /// Our id for PHP id `value` of `table`, or nil when the value cannot be an id (NULL, negative, real, blob, empty).
    public static func map(_ value: SQLValue, table: String) -> String? {
        let code = tableCodes[table] ?? 0
        switch value {
        case .integer(let n):
            return integer(n, code: code)
        case .text(let raw):
            let text = raw.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, text.utf8.count <= 200 else { return nil }
            if text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
                guard text.utf8.count <= 15, let n = Int64(text) else { return nil }
                return integer(n, code: code)
            }
            if UUIDv7.isValid(text) { return text.lowercased() }
            var bytes = Array(Crypto.sha256(Array("php:\(table):\(text)".utf8)).prefix(16))
            bytes[6] = (bytes[6] & 0x0f) | 0x80
            bytes[8] = (bytes[8] & 0x3f) | 0x80
            let hex = Array(Hex.encode(bytes))
            return String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-" + String(hex[16..<20]) + "-" + String(hex[20..<32])
        default:
            return nil
        }
    }

    static func integer(_ n: Int64, code: UInt8) -> String? {
        guard n >= 0, n < maxIntegerId else { return nil }
        let hex = String(n, radix: 16)
        let code = String(code, radix: 16)
        return "00000000-0000-8000-80" + String(repeating: "0", count: 2 - code.count) + code + "-"
            + String(repeating: "0", count: 12 - hex.count) + hex
    }
}

/// Timestamps of the PHP database: TEXT `YYYY-MM-DD HH:MM:SS` (SQLite's `datetime('now')`, PHP's `date('Y-m-d H:i:s')`),
/// also with `T`, fractions, `Z` or an offset, a bare date, or Unix seconds / milliseconds as integers.
/// Text without an offset is read in `timeZone` (UTC unless `--source-timezone` says otherwise).
enum PHPTime {
    static func parse(_ value: SQLValue, timeZone: TimeZone) -> Date? {
        switch value {
        case .integer(let n): return fromUnix(n)
        case .real(let d):
            guard d.isFinite, d > 0, d < 1e13 else { return nil }
            return Date(timeIntervalSince1970: d)
        case .text(let raw):
            let text = raw.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int64(text) { return fromUnix(n) }
            return parseText(text, timeZone: timeZone)
        default: return nil
        }
    }

    static func fromUnix(_ n: Int64) -> Date? {
        guard n > 0 else { return nil }
        if n >= 100_000_000_000 {  // milliseconds (anything after 1973 in ms is beyond year 5000 in seconds)
            guard n < 100_000_000_000_000 else { return nil }
            return Date(timeIntervalSince1970: Double(n) / 1000)
        }
        return Date(timeIntervalSince1970: Double(n))
    }

    /// `YYYY-MM-DD`, optionally followed by ` ` or `T`, `HH:MM[:SS[.frac]]`, and `Z` / `±HH:MM` / `±HHMM`.
    static func parseText(_ text: String, timeZone: TimeZone) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var v = 0
            for k in 0..<count {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")), let day = digits(2) else { return nil }
        guard (1970...2200).contains(year), (1...12).contains(month), (1...daysIn(month, year)).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0
        var millis = 0
        var offset: Int?
        if i < b.count {
            guard b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") else { return nil }
            i += 1
            guard let h = digits(2), expect(UInt8(ascii: ":")), let m = digits(2) else { return nil }
            hour = h
            minute = m
            if expect(UInt8(ascii: ":")) {
                guard let s = digits(2) else { return nil }
                second = s
                if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                    var scale = 100
                    var any = false
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        millis += Int(b[i] - 48) * scale
                        scale /= 10
                        any = true
                        i += 1
                    }
                    guard any else { return nil }
                }
            }
            guard hour <= 23, minute <= 59, second <= 60 else { return nil }
            while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
            if i < b.count {
                if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                    i += 1
                    offset = 0
                } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                    let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    _ = expect(UInt8(ascii: ":"))
                    let om = digits(2) ?? 0
                    guard oh <= 23, om <= 59 else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                } else {
                    return nil
                }
            }
        }
        guard i == b.count else { return nil }
        let local = Int64(CivilTime.days(year: year, month: month, day: day)) * 86400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        let utc: Int64
        if let offset {
            utc = local - Int64(offset)
        } else {
            // Wall-clock time in `timeZone`: take the offset at the guess, then re-read it at the result (DST edges).
            let first = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local))))
            let second = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - first))))
            utc = local - second
        }
        return Date(timeIntervalSince1970: Double(utc) + Double(millis) / 1000)
    }

    /// The calendar date `YYYY-MM-DD` of a value: a date text is kept as written, a timestamp gives its date in `timeZone`.
    static func date(_ value: SQLValue, timeZone: TimeZone) -> String? {
        if case .text(let raw) = value {
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.utf8.count >= 10, parseText(String(text.prefix(10)), timeZone: timeZone) != nil,
               text.utf8.count == 10 || parse(value, timeZone: timeZone) != nil {
                return String(text.prefix(10))
            }
        }
        guard let d = parse(value, timeZone: timeZone) else { return nil }
        let local = Int64(floor(d.timeIntervalSince1970)) + Int64(timeZone.secondsFromGMT(for: d))
        let (y, m, day) = CivilTime.date(fromDays: floorDiv(local, 86400))
        return String(format: "%04d-%02d-%02d", y, m, day)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Money of the PHP database, converted exactly (decimal text is parsed digit by digit, never multiplied as a float).
enum PHPMoney {
    enum Failure: Error, Equatable {
        case notANumber(String)
        case negative(String)
        case fractionalCents(String)
        case tooLarge(String)

        var reason: String {
            switch self {
            case .notANumber(let v): "amount '\(v)' is not a number"
            case .negative(let v): "amount \(v) is negative"
            case .fractionalCents(let v): "amount \(v) has fractions of a cent"
            case .tooLarge(let v): "amount \(v) is too large"
            }
        }
    }

    static let maxCents: Int64 = 1_000_000_000_000_00  // 1 trillion in major units

    /// Cents of a value in major units (`49.90`, `"1234.5"`, `100`).
    static func centsFromMajor(_ value: SQLValue) -> Result<Int64, Failure> {
        switch value {
        case .integer(let n):
            guard n >= 0 else { return .failure(.negative(String(n))) }
            let (c, overflow) = n.multipliedReportingOverflow(by: 100)
            guard !overflow, c <= maxCents else { return .failure(.tooLarge(String(n))) }
            return .success(c)
        case .real(let d):
            guard d.isFinite else { return .failure(.notANumber(String(d))) }
            // The shortest text that reads back as `d` ("49.9"), then exact decimal parsing.
            return decimal(String(d), scale: 2)
        case .text(let t): return decimal(t, scale: 2)
        default: return .failure(.notANumber(String(describing: value)))
        }
    }

    /// Cents of a value already in minor units (`4990`, `"4990"`, `4990.0`); a fraction of a cent is refused.
    static func centsFromMinor(_ value: SQLValue) -> Result<Int64, Failure> {
        switch value {
        case .integer(let n):
            guard n >= 0 else { return .failure(.negative(String(n))) }
            guard n <= maxCents else { return .failure(.tooLarge(String(n))) }
            return .success(n)
        case .real(let d):
            guard d.isFinite else { return .failure(.notANumber(String(d))) }
            return decimal(String(d), scale: 0)
        case .text(let t): return decimal(t, scale: 0)
        default: return .failure(.notANumber(String(describing: value)))
        }
    }

    /// `text` as a decimal number times 10^scale, exactly; digits beyond `scale` must be zeros.
    /// Accepts an optional sign, `.` (or a lone `,`) as the decimal separator, and an exponent-free form only.
    static func decimal(_ raw: String, scale: Int) -> Result<Int64, Failure> {
        var text = raw.trimmingCharacters(in: .whitespaces)
        var negative = false
        if text.hasPrefix("-") { negative = true; text.removeFirst() } else if text.hasPrefix("+") { text.removeFirst() }
        if !text.contains("."), text.filter({ $0 == "," }).count == 1 { text = text.replacingOccurrences(of: ",", with: ".") }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first,
              !(whole.isEmpty && (parts.count == 1 || parts[1].isEmpty)),
              whole.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              parts.count == 1 || parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return .failure(.notANumber(raw)) }
        let fraction = parts.count == 2 ? Array(parts[1].utf8) : []
        if fraction.count > scale, fraction[scale...].contains(where: { $0 != 48 }) { return .failure(.fractionalCents(raw)) }
        var value: Int64 = 0
        for c in whole.utf8 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 48))
            guard !o1, !o2, a <= maxCents else { return .failure(.tooLarge(raw)) }
            value = a
        }
        for k in 0..<scale {
            let digit = k < fraction.count ? Int64(fraction[k] - 48) : 0
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(digit)
            guard !o1, !o2, a <= maxCents else { return .failure(.tooLarge(raw)) }
            value = a
        }
        if negative && value != 0 { return .failure(.negative(raw)) }
        return .success(value)
    }
}

extension Row {
    /// The first of `columns` that the row has with a non-NULL value (PHP schemas named some columns
    /// `metadata` and others `metadata_json`).
    func first(_ columns: String...) -> SQLValue {
        for c in columns {
            let v = self[c]
            if !v.isNull { return v }
        }
        return .null
    }

    /// Text of the first non-NULL of `columns` (integers and reals rendered), trimmed; nil when absent or empty.
    func text(_ columns: String...) -> String? {
        for c in columns {
            switch self[c] {
            case .text(let s):
                let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
                if !t.isEmpty { return t }
            case .integer(let n): return String(n)
            case .real(let d): return String(d)
            default: continue
            }
        }
        return nil
    }
}

extension SQLValue {
    /// PHP booleans as stored: 0/1, "0"/"1", "true"/"false", "yes"/"no"; nil for anything else.
    var phpBool: Bool? {
        switch self {
        case .integer(let n): return n != 0
        case .real(let d): return d != 0
        case .text(let s):
            switch s.trimmingCharacters(in: .whitespaces).lowercased() {
            case "1", "true", "t", "yes", "y", "on": return true
            case "0", "false", "f", "no", "n", "off", "": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// An integer stored as INTEGER, an integral REAL or digit text.
    var phpInt: Int64? {
        switch self {
        case .integer(let n): return n
        case .real(let d): return Int64(exactly: d)
        case .text(let s):
            let t = s.trimmingCharacters(in: .whitespaces)
            if let n = Int64(t) { return n }
            if let d = Double(t), let n = Int64(exactly: d) { return n }
            return nil
        default: return nil
        }
    }

    /// Short rendering for skip reasons.
    var shown: String {
        switch self {
        case .null: return "NULL"
        case .integer(let n): return String(n)
        case .real(let d): return String(d)
        case .text(let s): return s.count > 40 ? String(s.prefix(40)) + "…" : s
        case .blob(let b): return "<\(b.count) bytes>"
        }
    }
}
