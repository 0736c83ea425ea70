import Foundation

extension SMTPSender {
    /// The message as sent after `DATA`: RFC 5322 headers and a quoted-printable
    /// UTF-8 text body, CRLF line endings throughout.
    ///
    /// `messageID` is written as given (include the angle brackets). Header values
    /// have CR and LF replaced by spaces, so no input can add a header line.
    public static func renderMIME(_ message: EmailMessage, from: String, date: Date, messageID: String) -> String {
        var lines: [String] = []
        lines.append(addressHeader("From", [from]))
        lines.append(addressHeader("To", message.to))
        if !message.cc.isEmpty { lines.append(addressHeader("Cc", message.cc)) }
        lines.append("Subject: " + encodeHeaderText(singleLine(message.subject)))
        lines.append("Date: " + rfc5322Date(date))
        lines.append("Message-ID: " + singleLine(messageID))
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: text/plain; charset=UTF-8")
        lines.append("Content-Transfer-Encoding: quoted-printable")
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + quotedPrintable(message.textBody)
    }

    /// `Name: a, b, c`, folded before an address that would pass 78 columns (RFC 5322 §2.1.1).
    static func addressHeader(_ name: String, _ addresses: [String]) -> String {
        var out = name + ":"
        var column = out.utf8.count
        for (index, raw) in addresses.enumerated() {
            let address = encodeDisplayName(singleLine(raw).trimmingCharacters(in: .whitespaces))
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

    /// `Cobrança <a@b>` → `=?UTF-8?B?...?= <a@b>`; ASCII and bare addresses stay as they are.
    static func encodeDisplayName(_ address: String) -> String {
        guard !address.utf8.allSatisfy({ $0 < 128 }), let open = address.lastIndex(of: "<"), address.hasSuffix(">") else {
            return address
        }
        let name = address[..<open].trimmingCharacters(in: .whitespaces)
        let trimmed = name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 ? String(name.dropFirst().dropLast()) : name
        return encodeHeaderText(trimmed) + " " + address[open...]
    }

    /// RFC 2047 encoded-words (`=?UTF-8?B?…?=`) when `text` is not plain ASCII.
    ///
    /// Each word holds at most 39 bytes (52 base64 characters), split only between
    /// Unicode scalars, so every folded line stays under 76 columns (RFC 2047 §2).
    static func encodeHeaderText(_ text: String) -> String {
        guard !text.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) else { return text }
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

    /// Quoted-printable (RFC 2045 §6.7) of `text` with CRLF hard line breaks and
    /// soft breaks keeping every line within 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        var lineLength = 0
        let lines = normalizedLines(text)
        for (lineIndex, line) in lines.enumerated() {
            for (index, byte) in line.enumerated() {
                let isLast = index == line.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 32 || byte == 9) && !isLast)  // trailing white space must be encoded (rule 3)
                let token: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
                // Leave room for the "=" of a soft break unless this token ends the line.
                let limit = isLast ? 76 : 75
                if lineLength + token.count > limit {
                    out += Array("=\r\n".utf8)
                    lineLength = 0
                }
                out += token
                lineLength += token.count
            }
            if lineIndex < lines.count - 1 {
                out += [13, 10]
                lineLength = 0
            }
        }
        if !(out.suffix(2) == [13, 10]) { out += [13, 10] }
        return String(decoding: out, as: UTF8.self)
    }

    /// `Thu, 26 Nov 2026 09:05:00 +0000` (RFC 5322 §3.3), always UTC.
    static func rfc5322Date(_ date: Date) -> String {
        var time = time_t(floor(date.timeIntervalSince1970))
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%@, %02d %@ %04d %02d:%02d:%02d +0000", days[Int(parts.tm_wday)], Int(parts.tm_mday),
                      months[Int(parts.tm_mon)], Int(parts.tm_year) + 1900,
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    private static func singleLine(_ text: String) -> String {
        String(text.map { $0 == "\r\n" || $0 == "\r" || $0 == "\n" ? " " : $0 })
    }

    /// The lines of `text` as UTF-8, whichever of CRLF, LF or CR ends them.
    private static func normalizedLines(_ text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = [[]]
        var previousCR = false
        for byte in text.utf8 {
            if byte == 10 && previousCR {
                previousCR = false
                continue
            }
            previousCR = byte == 13
            if byte == 10 || byte == 13 {
                lines.append([])
            } else {
                lines[lines.count - 1].append(byte)
            }
        }
        return lines
    }
}
