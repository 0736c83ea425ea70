/// Request-target forms (RFC 9112 §3.2) and percent-decoding (RFC 3986 §2.1).
enum HTTPTarget {
    /// Splits a target into its decoded path and query items; nil when it is not origin-, absolute-
    /// or asterisk-form, or its path has a broken percent-escape.
    static func split(_ target: String) -> (path: String, queryItems: [(name: String, value: String)])? {
        var bytes = Substring(target)
        if bytes == "*" { return ("*", []) }
        if !bytes.hasPrefix("/") {
            // absolute-form: scheme "://" authority path-abempty [ "?" query ]
            let lower = bytes.lowercasedASCII()
            let schemeLength: Int
            if lower.hasPrefix("http://") { schemeLength = 7 } else if lower.hasPrefix("https://") { schemeLength = 8 } else { return nil }
            let afterAuthority = bytes.dropFirst(schemeLength)
            if let slash = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                bytes = afterAuthority[slash...]
                if bytes.first == "?" { bytes = Substring("/" + bytes) }
            } else {
                bytes = "/"
            }
        }
        let rawPath: Substring
        let rawQuery: Substring?
        if let q = bytes.firstIndex(of: "?") {
            rawPath = bytes[bytes.startIndex..<q]
            rawQuery = bytes[bytes.index(after: q)...]
        } else {
            rawPath = bytes
            rawQuery = nil
        }
        guard let path = percentDecode(rawPath, plusAsSpace: false) else { return nil }
        return (path, rawQuery.map(parseQuery) ?? [])
    }

    /// `a=1&b=x%5Fy&c` → [(a,1), (b,x_y), (c,"")]; undecodable items are kept raw.
    static func parseQuery(_ query: Substring) -> [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring, value: Substring
            if let eq = part.firstIndex(of: "=") {
                name = part[part.startIndex..<eq]
                value = part[part.index(after: eq)...]
            } else {
                name = part
                value = ""
            }
            items.append((
                name: percentDecode(name, plusAsSpace: true) ?? String(name),
                value: percentDecode(value, plusAsSpace: true) ?? String(value)
            ))
        }
        return items
    }

    /// Names of the query items of `target` whose name or value percent-decodes to bytes that are not
    /// UTF-8 (`split` decodes those leniently, with U+FFFD in place of the bad bytes).
    static func queryNamesWithInvalidUTF8(_ target: String) -> [String] {
        guard let q = target.firstIndex(of: "?") else { return [] }
        var names: [String] = []
        for part in target[target.index(after: q)...].split(separator: "&", omittingEmptySubsequences: true) {
            let eq = part.firstIndex(of: "=") ?? part.endIndex
            let name = part[part.startIndex..<eq]
            let value = eq == part.endIndex ? Substring("") : part[part.index(after: eq)...]
            if !decodesToUTF8(name) || !decodesToUTF8(value) { names.append(percentDecode(name, plusAsSpace: true) ?? String(name)) }
        }
        return names
    }

    /// False when `text`'s percent-escapes decode to bytes that are not UTF-8 (a broken escape is kept as text).
    static func decodesToUTF8(_ text: Substring) -> Bool {
        guard text.utf8.contains(37), let bytes = percentDecodedBytes(text, plusAsSpace: true) else { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    /// Decodes `%XX` escapes (and `+` when asked); nil on a malformed escape.
    static func percentDecode(_ text: Substring, plusAsSpace: Bool) -> String? {
        if !text.utf8.contains(where: { $0 == 37 || (plusAsSpace && $0 == 43) }) { return String(text) }
        return percentDecodedBytes(text, plusAsSpace: plusAsSpace).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes `%XX` escapes (and `+` when asked) stand for; nil on a malformed escape.
    static func percentDecodedBytes(_ text: Substring, plusAsSpace: Bool) -> [UInt8]? {
        let utf8 = text.utf8
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let c = utf8[i]
            if c == 37 {  // %
                let h = utf8.index(after: i)
                guard h != utf8.endIndex else { return nil }
                let l = utf8.index(after: h)
                guard l != utf8.endIndex, let hi = hexValue(utf8[h]), let lo = hexValue(utf8[l]) else { return nil }
                out.append(hi << 4 | lo)
                i = utf8.index(after: l)
            } else {
                out.append(plusAsSpace && c == 43 ? 32 : c)
                i = utf8.index(after: i)
            }
        }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }
}
