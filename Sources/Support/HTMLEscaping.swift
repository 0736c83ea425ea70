/// Text made safe for HTML element content and for quoted attribute values.
///
/// The escaper reads UTF-8 bytes, never `Character`s: a `Character` is a grapheme cluster, and a
/// prepended concatenation mark such as U+0600 forms one cluster with the `<` that follows it, so
/// comparing characters with `"<"` would miss that `<` and let a tag through. Every byte of `&`, `<`,
/// `>`, `"` and `'` is replaced, whatever scalars surround it; all other text is copied unchanged.
public enum HTMLEscaping {
    /// `text` with `&` `<` `>` `"` `'` written as the character references `&amp;` `&lt;` `&gt;`
    /// `&quot;` `&#39;` (HTML Living Standard §13.1.4: what text and attribute values may not hold raw).
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: isSpecial) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += "&amp;".utf8
            case UInt8(ascii: "<"): out += "&lt;".utf8
            case UInt8(ascii: ">"): out += "&gt;".utf8
            case UInt8(ascii: "\""): out += "&quot;".utf8
            case UInt8(ascii: "'"): out += "&#39;".utf8
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}
