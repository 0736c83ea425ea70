import Foundation

/// Turning Swift strings into the bytes `HPDF_Page_ShowText` expects, scalar by scalar (never by
/// `Character`: `"\r\n"` and U+0600 + the next character are single `Character`s).
enum PDFTextEncoding {
    /// Control and format characters become spaces (tabs and U+0600 too); line breaks become `\n`;
    /// NUL would end the C string.
    static func clean(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for u in s.unicodeScalars {
            switch u {
            case "\r": out.append("\n")
            case "\n": if previous != "\r" { out.append("\n") }
            case _ where u.properties.generalCategory == .control || u.properties.generalCategory == .format
                || u.properties.generalCategory == .lineSeparator || u.properties.generalCategory == .paragraphSeparator:
                out.append(" ")
            default: out.append(u)
            }
            previous = u
        }
        return String(out)
    }

    /// UTF-8 for the TrueType font. libharu's UTF-8 encoder reads the Basic Multilingual Plane only,
    /// so scalars above U+FFFF (emoji, rare CJK) print as `?`. Glyphs DejaVu lacks show as empty boxes.
    static func utf8(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        for u in clean(s).unicodeScalars where u != "\n" {
            if u.value > 0xFFFF { out.append(UInt8(ascii: "?")) } else { out.append(contentsOf: String(u).utf8) }
        }
        return out
    }

    /// CP1252 (WinAnsiEncoding) for the base-14 fonts. The text is composed first (NFC), so `e` +
    /// U+0301 is `é`; then Latin-1 and the 0x80–0x9F extras map directly, each run of other scalars
    /// is transliterated by ICU (`Łódź` → `Lodz`, `Услуги` → `Uslugi`), a combining mark left over
    /// is dropped (its letter has printed), and what still does not fit is `?`.
    static func cp1252(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var run = String.UnicodeScalarView()
        func flush() {
            guard !run.isEmpty else { return }
            let text = String(run)
            let latin = text.applyingTransform(StringTransform("Any-Latin; Latin-ASCII"), reverse: false) ?? text
            for u in latin.unicodeScalars where !isMark(u) { out.append(byte(u) ?? UInt8(ascii: "?")) }
            run = String.UnicodeScalarView()
        }
        for u in clean(s.precomposedStringWithCanonicalMapping).unicodeScalars where u != "\n" {
            if let b = byte(u) {
                flush()
                out.append(b)
            } else {
                run.append(u)
            }
        }
        flush()
        return out
    }

    private static func isMark(_ u: Unicode.Scalar) -> Bool {
        switch u.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    private static func byte(_ u: Unicode.Scalar) -> UInt8? {
        switch u.value {
        case 0x20...0x7E, 0xA0...0xFF: UInt8(u.value)
        default: windows1252Extras[u.value]
        }
    }

    private static let windows1252Extras: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
        0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E, 0x2018: 0x91,
        0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98,
        0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B, 0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
    ]
}
