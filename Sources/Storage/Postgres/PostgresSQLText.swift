import Foundation

/// A small lexer for PostgreSQL SQL text: renders `?` placeholders as `$1…$n` and splits scripts into
/// statements, in both cases looking only at code outside literals and comments.
///
/// It skips `'…'` strings (`''` inside), `E'…'` strings (backslash escapes), `"…"` identifiers (`""`
/// inside), `$tag$…$tag$` dollar quotes, `-- …` line comments and nested `/* … */` comments. `::` casts
/// need nothing special (`?::text` becomes `$1::text`). Every other `?` is a placeholder, so PostgreSQL's
/// `?`-operators (jsonb `?`, `?|`, `?&`) cannot be written through it; use their functions
/// (`jsonb_exists`) instead. SQL-standard function bodies (`BEGIN ATOMIC … END`) are not split
/// correctly by `statements(in:)`; write such functions with a dollar-quoted body.
enum PostgresSQLText {
    /// `sql` with its `?` placeholders numbered `$1…$n`, and `n`.
    static func renderPlaceholders(_ sql: String) -> (text: String, count: Int) {
        var output: [UInt8] = []
        var count = 0
        let bytes = Array(sql.utf8)
        output.reserveCapacity(bytes.count + 8)
        scan(bytes) { event in
            switch event {
            case .code(let range):
                for b in bytes[range] {
                    if b == UInt8(ascii: "?") {
                        count += 1
                        output.append(UInt8(ascii: "$"))
                        output.append(contentsOf: String(count).utf8)
                    } else {
                        output.append(b)
                    }
                }
            case .literal(let range):
                output.append(contentsOf: bytes[range])
            case .statementEnd(let position):
                output.append(bytes[position])
            }
        }
        return (String(decoding: output, as: UTF8.self), count)
    }

    /// The statements of `script`, each with its terminating `;` and without surrounding blank space;
    /// pieces that hold only whitespace and comments are dropped.
    static func statements(in script: String) -> [String] {
        let bytes = Array(script.utf8)
        var statements: [String] = []
        var start = 0
        var significant = false
        func finish(_ end: Int) {
            defer {
                start = end
                significant = false
            }
            guard significant else { return }
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            statements.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        scan(bytes) { event in
            switch event {
            case .code(let range):
                if bytes[range].contains(where: { !isSpace($0) }) { significant = true }
            case .literal(let range):
                // Comments do not make a statement; strings and quoted identifiers do.
                let first = bytes[range.lowerBound]
                let isComment = first == UInt8(ascii: "-") || (first == UInt8(ascii: "/") && range.count > 1)
                if !isComment { significant = true }
            case .statementEnd(let position):
                finish(position + 1)
            }
        }
        finish(bytes.count)
        return statements
    }

    // MARK: - Scanner

    enum Event {
        /// Plain SQL (keywords, identifiers, operators, placeholders).
        case code(Range<Int>)
        /// A string, quoted identifier, dollar-quoted body or comment, copied verbatim.
        case literal(Range<Int>)
        /// A top-level `;`.
        case statementEnd(Int)
    }

    /// Walks `bytes`, reporting runs of code, literals and statement ends in order.
    static func scan(_ bytes: [UInt8], _ report: (Event) -> Void) {
        let n = bytes.count
        var i = 0
        var codeStart = 0
        func flushCode(_ end: Int) {
            if end > codeStart { report(.code(codeStart..<end)) }
        }
        func literal(_ start: Int, _ end: Int) {
            flushCode(start)
            report(.literal(start..<end))
            i = end
            codeStart = end
        }
        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "'"):
                // E'…' (also e'…') allows backslash escapes; the prefix must start a token.
                let escapes = i > 0 && (bytes[i - 1] == UInt8(ascii: "E") || bytes[i - 1] == UInt8(ascii: "e"))
                    && (i < 2 || !isIdentifierByte(bytes[i - 2]))
                literal(i, endOfQuoted(bytes, from: i, quote: c, backslashEscapes: escapes))
            case UInt8(ascii: "\""):
                literal(i, endOfQuoted(bytes, from: i, quote: c, backslashEscapes: false))
            case UInt8(ascii: "-") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "-"):
                var end = i + 2
                while end < n && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                literal(i, end)
            case UInt8(ascii: "/") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "*"):
                literal(i, endOfBlockComment(bytes, from: i))
            case UInt8(ascii: "$") where i == 0 || !isIdentifierByte(bytes[i - 1]):
                if let tagEnd = dollarTagEnd(bytes, from: i) {
                    literal(i, endOfDollarQuote(bytes, from: i, tagEnd: tagEnd))
                } else {
                    i += 1
                }
            case UInt8(ascii: ";"):
                flushCode(i)
                report(.statementEnd(i))
                i += 1
                codeStart = i
            default:
                i += 1
            }
        }
        flushCode(n)
    }

    /// End (exclusive) of the quoted token starting at `start`; doubled quotes stay inside.
    private static func endOfQuoted(_ bytes: [UInt8], from start: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
        var i = start + 1
        while i < bytes.count {
            let c = bytes[i]
            if backslashEscapes && c == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if c == quote {
                if i + 1 < bytes.count && bytes[i + 1] == quote {
                    i += 2
                    continue
                }
                return i + 1
            }
            i += 1
        }
        return bytes.count  // unterminated: the server reports it
    }

    /// End (exclusive) of the `/* … */` comment at `start`; PostgreSQL nests them.
    private static func endOfBlockComment(_ bytes: [UInt8], from start: Int) -> Int {
        var depth = 0
        var i = start
        while i + 1 < bytes.count {
            if bytes[i] == UInt8(ascii: "/") && bytes[i + 1] == UInt8(ascii: "*") {
                depth += 1
                i += 2
            } else if bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/") {
                depth -= 1
                i += 2
                if depth == 0 { return i }
            } else {
                i += 1
            }
        }
        return bytes.count
    }

    /// For `$tag$` (or `$$`) at `start`, the index just past the closing `$` of the tag; nil for `$1`
    /// parameters and other uses of `$`.
    private static func dollarTagEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "$") { return i + 1 }
            let isDigit = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
            guard isIdentifierByte(c), !(isDigit && i == start + 1), c != UInt8(ascii: "$") else { return nil }
            i += 1
        }
        return nil
    }

    /// End (exclusive) of the dollar-quoted string whose opening tag spans `start..<tagEnd`.
    private static func endOfDollarQuote(_ bytes: [UInt8], from start: Int, tagEnd: Int) -> Int {
        let tag = bytes[start..<tagEnd]
        var i = tagEnd
        while i + tag.count <= bytes.count {
            if bytes[i] == UInt8(ascii: "$") && bytes[i..<(i + tag.count)].elementsEqual(tag) { return i + tag.count }
            i += 1
        }
        return bytes.count
    }

    /// Letters, digits, `_`, `$` and any non-ASCII byte: the bytes that continue an identifier.
    private static func isIdentifierByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "$") || c >= 0x80
    }

    private static func isSpace(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == 0x0c
    }
}
