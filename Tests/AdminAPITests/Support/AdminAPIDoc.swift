import Foundation

/// docs/ADMIN_API.md read back as data: per action, the methods, permission, parameters and statuses its
/// section states, so a test can hold the prose to the generated OpenAPI document.
///
/// A section is `### \`name\`` (or several names); its first line is `METHOD · permission[ · scope]. …` and its
/// parameters are the backticked names of the `Query:` / `Body:` clause outside parentheses (`name?` optional),
/// or another action's with `same filters as \`other\`` / `same parameters as \`other\``.
struct AdminAPIDoc {
    struct Section {
        var actions: [String]
        var methods: [String] = []
        var permission: String?
        var parameters: [String: Bool] = [:]  // name → optional
        var inheritsFrom: String?
        var statuses: Set<Int> = []
        var text = ""
    }

    var sections: [String: Section] = [:]

    init(markdown: String) {
        var current: Section?
        var inFence = false
        func close() {
            if var s = current {
                Self.parse(&s)
                for a in s.actions { sections[a] = s }
            }
            current = nil
        }
        for line in markdown.components(separatedBy: "\n") {
            if line.hasPrefix("```") { inFence.toggle(); continue }
            if inFence { continue }
            if line.hasPrefix("#") {
                close()
                if line.hasPrefix("### ") {
                    let names = Self.backticked(line).filter { $0.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil }
                    if !names.isEmpty { current = Section(actions: names) }
                }
                continue
            }
            current?.text += line + "\n"
        }
        close()
    }

    static func backticked(_ text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "`") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "`") else { break }
            out.append(String(after[..<close]))
            rest = after[after.index(after: close)...]
        }
        return out
    }

    static func parse(_ s: inout Section) {
        let firstLine = s.text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        let head = firstLine.components(separatedBy: ".").first ?? ""
        let parts = head.components(separatedBy: " · ").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count >= 2 {
            s.methods = parts[0].components(separatedBy: "|")
            s.permission = parts[1]
        }
        // The first paragraph holds the parameter clause.
        let paragraph = s.text.components(separatedBy: "\n\n").first { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } ?? ""
        let flat = paragraph.replacingOccurrences(of: "\n", with: " ")
        if let range = flat.range(of: #"(Query|Body)( or body)?:"#, options: .regularExpression) {
            parseClause(String(flat[range.upperBound...]), into: &s)
        } else if let headEnd = flat.range(of: ". ") {
            // `POST · super-admin. \`job\` (required), \`now?\`. …`: the parameters follow the head directly.
            parseClause(String(flat[headEnd.upperBound...]), into: &s)
        }
        if let inherit = flat.range(of: #"[Ss]ame (filters|parameters) as `[a-z_]+`"#, options: .regularExpression) {
            s.inheritsFrom = backticked(String(flat[inherit])).first
        }
        s.statuses = statuses(in: s.text)
    }

    /// Backticked names at parenthesis depth 0 until the sentence ends.
    static func parseClause(_ clause: String, into s: inout Section) {
        var depth = 0
        var inTick = false
        var token = ""
        var previous = ""
        let chars = Array(clause)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inTick {
                if c == "`" {
                    inTick = false
                    // One backtick group may list several names: `card_brand?, card_last4`.
                    for name in token.components(separatedBy: ", ") where depth == 0 && !previous.hasSuffix("default ")
                        && name.range(of: #"^[a-z][a-z0-9_]*\??$"#, options: .regularExpression) != nil
                        && !["null", "true", "false"].contains(name) {
                        let optional = name.hasSuffix("?")
                        s.parameters[optional ? String(name.dropLast()) : name] = optional
                    }
                    token = ""
                } else {
                    token.append(c)
                }
            } else if c == "`" {
                inTick = true
                previous = String(chars[max(0, i - 8)..<i])
            } else if c == "(" {
                depth += 1
            } else if c == ")" {
                depth = max(0, depth - 1)
            } else if c == ".", depth == 0, i + 1 >= chars.count || chars[i + 1] == " " {
                // The sentence ends: "… `enforce?` (boolean). 201 with …"
                let next = chars[min(chars.count - 1, i + 1)...].drop { $0 == " " }.first
                if next == nil || next!.isUppercase || next!.isNumber || next == "`" || next == "[" { return }
            }
            i += 1
        }
    }

    /// HTTP statuses the prose states (`→ 409`, `429 \`quota_exceeded\``, `(404)`, `Errors: 401 …`), not limits
    /// such as `≤ 500`, `1–500`, `at most 500 lines` or `SHA-256`.
    static func statuses(in text: String) -> Set<Int> {
        let pattern = #"(?<![–≤\-\d/.]|≤ |at most |default |up to |than |of )\b([2-5]\d\d)\b(?=\)|,|;|\.|:| `| →| with| when| if| for| naming| otherwise| wrong| nothing| until| answers| and| or| Invoice| Subscription| Tenant| the| a | an | on | as | —)"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        var out = Set<Int>()
        let ns = text as NSString
        for m in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            if let n = Int(ns.substring(with: m.range(at: 1))) { out.insert(n) }
        }
        return out
    }
}
