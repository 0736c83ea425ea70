import Foundation

/// Test-side decoding of what `SMTPSender.renderMIME` writes, done independently of it.
struct ParsedMail {
    var headers: [(String, String)] = []
    var rawBody = ""

    init(_ text: String) {
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts[0]
        rawBody = parts.dropFirst().joined(separator: "\r\n\r\n")
        for line in head.components(separatedBy: "\r\n") {
            if (line.hasPrefix(" ") || line.hasPrefix("\t")), !headers.isEmpty {
                headers[headers.count - 1].1 += line  // unfold (RFC 5322 §2.2.3): drop the CRLF only
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            }
        }
    }

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// RFC 2047 decoding of B-encoded UTF-8 words; white space between adjacent words is dropped.
    static func decodeWords(_ value: String) -> String {
        var out = ""
        var rest = Substring(value)
        var previousWasWord = false
        while let start = rest.range(of: "=?") {
            let between = rest[..<start.lowerBound]
            if !(previousWasWord && between.allSatisfy(\.isWhitespace)) { out += between }
            let afterStart = rest[start.upperBound...]
            guard let end = afterStart.range(of: "?=") else { break }
            let word = afterStart[..<end.lowerBound].split(separator: "?", omittingEmptySubsequences: false)
            if word.count == 3, word[0].uppercased() == "UTF-8", word[1].uppercased() == "B",
               let data = Data(base64Encoded: String(word[2])) {
                out += String(decoding: data, as: UTF8.self)
            }
            rest = afterStart[end.upperBound...]
            previousWasWord = true
        }
        return out + rest
    }

    /// Quoted-printable decoding (RFC 2045 §6.7).
    static func decodeQuotedPrintable(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "=") {
                if i + 2 < bytes.count, bytes[i + 1] == 13, bytes[i + 2] == 10 { i += 3; continue }
                if i + 2 < bytes.count, let value = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                    out.append(value)
                    i += 3
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
