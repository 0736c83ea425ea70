/// One field of an RFC 4180 CSV record, already encoded, and safe to open in a spreadsheet.
///
/// Only `text(_:)` and `number(_:)` make fields, so a record can hold nothing unencoded. Both read
/// Unicode scalars and UTF-8 bytes, never `Character`s: `"\r\n"` is one `Character` (so a search for
/// `"\n"` misses it) and U+0600 followed by `,` is another, which would hide the separator.
public struct CSVField: Sendable, Equatable {
    /// The field as written between separators.
    public let encoded: String

    private init(encoded: String) { self.encoded = encoded }

    /// A text field. A value a spreadsheet would run as a formula — its first scalar after any
    /// leading white space, control or invisible formatting character is `=`, `+`, `-` or `@`, or
    /// it has a tab or CR before that — gets a leading `'` (OWASP "CSV Injection"), so Excel,
    /// LibreOffice and Google Sheets show it as text. A value holding `,`, `"`, CR or LF is then
    /// quoted, inner quotes doubled (RFC 4180 §2.6–2.7).
    public static func text(_ value: String) -> CSVField {
        let neutralised = startsLikeFormula(value) ? "'" + value : value
        return CSVField(encoded: quotedIfNeeded(neutralised))
    }

    /// A number field, written as decimal digits: a negative number keeps its `-` and stays a number,
    /// since a spreadsheet cannot read digits as anything else.
    public static func number(_ value: Int64) -> CSVField {
        CSVField(encoded: String(value))
    }

    /// One record: the fields joined by `,` and ended by CRLF (RFC 4180 §2.1), as UTF-8.
    public static func record(_ fields: [CSVField]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += field.encoded.utf8
        }
        out += [13, 10]
        return out
    }

    /// Whether a spreadsheet could take `value` for a formula (see `text(_:)`).
    static func startsLikeFormula(_ value: String) -> Bool {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "=", "+", "-", "@", "\t", "\r":
                return true
            default:
                let category = scalar.properties.generalCategory
                guard scalar.properties.isWhitespace || category == .control || category == .format else { return false }
            }
        }
        return false
    }

    /// `value` between double quotes with inner quotes doubled, when it holds a separator, a quote or a line break.
    private static func quotedIfNeeded(_ value: String) -> String {
        let needsQuotes = value.utf8.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 13 || $0 == 10
        }
        guard needsQuotes else { return value }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in value.utf8 {
            out.append(byte)
            if byte == UInt8(ascii: "\"") { out.append(byte) }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
