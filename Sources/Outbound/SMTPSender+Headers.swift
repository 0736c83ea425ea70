import Foundation

/// Header values of the messages `renderMIME` writes: addresses, display names and unstructured
/// text, all read as Unicode scalars or UTF-8 bytes, never as `Character`s.
extension SMTPSender {
    /// `Name: a, b, c`, folded before an address that would pass 78 columns (RFC 5322 §2.1.1).
    static func addressHeader(_ name: String, _ addresses: [String]) -> String {
        var out = name + ":"
        var column = out.utf8.count
        for (index, raw) in addresses.enumerated() {
            let address = encodeMailbox(singleLine(raw))
            let piece = address + (index < addresses.count - 1 ? "," : "")
            if index > 0 && column + 1 + piece.utf8.count > 78 {
                out += "\r\n"
                column = 0
            }
            out += " " + piece
            column += 1 + piece.utf8.count
        }
        return out
    }

    /// `Cobrança <a@b>` → `=?UTF-8?B?...?= <a@b>`; a bare address stays as it is, and so does a
    /// display name of plain words. Other ASCII names become a quoted-string, anything else
    /// encoded-words, so that no name can add an address to the list (RFC 5322 §3.4).
    static func encodeMailbox(_ text: String) -> String {
        let mailbox = Mailbox(text)
        guard mailbox.hasAngleAddress else { return mailbox.address }
        let angle = "<" + mailbox.address + ">"
        guard !mailbox.displayName.isEmpty else { return angle }
        return encodePhrase(mailbox.displayName) + " " + angle
    }

    /// A display name as an RFC 5322 phrase: atoms separated by single spaces as they are, other
    /// printable ASCII as a quoted-string (`"` and `\` escaped), the rest as RFC 2047 encoded-words.
    static func encodePhrase(_ name: String) -> String {
        let bytes = Array(name.utf8)
        if !containsEncodedWordStart(bytes) {
            if isPlainPhrase(bytes) { return name }
            if bytes.allSatisfy({ $0 >= 32 && $0 < 127 }) {
                var out: [UInt8] = [UInt8(ascii: "\"")]
                for byte in bytes {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                    out.append(byte)
                }
                return String(decoding: out + [UInt8(ascii: "\"")], as: UTF8.self)
            }
        }
        return encodedWords(name)
    }

    /// RFC 2047 encoded-words (`=?UTF-8?B?…?=`) when `text` is not plain printable ASCII, or holds
    /// `=?`, which a reader would take for the start of an encoded-word (RFC 2047 §5).
    static func encodeHeaderText(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard !bytes.allSatisfy({ $0 >= 32 && $0 < 127 }) || containsEncodedWordStart(bytes) else { return text }
        return encodedWords(text)
    }

    /// `text` as encoded-words of at most 39 bytes (52 base64 characters) each, split only between
    /// Unicode scalars, so every folded line stays under 76 columns (RFC 2047 §2).
    static func encodedWords(_ text: String) -> String {
        var words: [[UInt8]] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 39 {
                words.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    /// Whether `bytes` are RFC 5322 atoms (`atext`) separated by single spaces.
    static func isPlainPhrase(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last, first != 32, last != 32 else { return false }
        let atextSymbols = Array("!#$%&'*+-/=?^_`{|}~".utf8)
        var previousWasSpace = false
        for byte in bytes {
            if byte == 32 {
                if previousWasSpace { return false }
                previousWasSpace = true
                continue
            }
            previousWasSpace = false
            let isAlphanumeric = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
            guard isAlphanumeric || atextSymbols.contains(byte) else { return false }
        }
        return true
    }

    private static func containsEncodedWordStart(_ bytes: [UInt8]) -> Bool {
        zip(bytes, bytes.dropFirst()).contains { $0 == UInt8(ascii: "=") && $1 == UInt8(ascii: "?") }
    }

    /// `text` with every control character (CR, LF and tab included, C1 too) and U+2028/U+2029
    /// replaced by a space, scalar by scalar — `"\r\n"` is one `Character` — so a value can
    /// neither end its header line nor start another.
    static func singleLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: out.append(" ")
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
