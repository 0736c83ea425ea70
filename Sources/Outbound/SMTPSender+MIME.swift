import Foundation

extension SMTPSender {
    /// The message as sent after `DATA`: RFC 5322 headers and a quoted-printable
    /// UTF-8 text body, CRLF line endings throughout.
    ///
    /// `messageID` is written as given (include the angle brackets). Header values have
    /// control characters replaced by spaces (`singleLine`), so no input can add a header line.
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
