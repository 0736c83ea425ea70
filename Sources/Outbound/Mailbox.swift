/// An address as configured or stored — `Name <local@domain>` or a bare `local@domain` — split on
/// Unicode scalars: a `<` glued to U+0600 is one `Character`, which a `Character` search would not find.
struct Mailbox {
    /// The text before the angle address, without surrounding white space and one pair of
    /// enclosing double quotes; empty when there is none.
    let displayName: String
    /// What is inside the last `<…>` when the text ends with `>`, else the whole text, trimmed.
    let address: String
    /// Whether the text had the `Name <address>` form.
    let hasAngleAddress: Bool

    init(_ text: String) {
        let scalars = Self.trimmed(Array(text.unicodeScalars)[...])
        if scalars.last == ">", let open = scalars.lastIndex(of: "<") {
            var name = Self.trimmed(scalars[..<open])
            if name.count >= 2, name.first == "\"", name.last == "\"" { name = name.dropFirst().dropLast() }
            displayName = Self.string(name)
            address = Self.string(scalars[(open + 1)..<(scalars.endIndex - 1)])
            hasAngleAddress = true
        } else {
            displayName = ""
            address = Self.string(scalars)
            hasAngleAddress = false
        }
    }

    private static func trimmed(_ scalars: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        let isBlank = { (s: Unicode.Scalar) in s.properties.isWhitespace }
        guard let first = scalars.firstIndex(where: { !isBlank($0) }), let last = scalars.lastIndex(where: { !isBlank($0) }) else { return [] }
        return scalars[first...last]
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
