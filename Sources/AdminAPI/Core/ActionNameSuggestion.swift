/// The action a mistyped name most likely meant (`log_usgae` → `log_usage`), by edit distance.
enum ActionNameSuggestion {
    /// The closest name within a third of its length in edits (at least 2), or nil.
    static func nearest(to name: String, among names: [String]) -> String? {
        let typed = Array(name.lowercased().utf8)
        var best: (name: String, distance: Int)?
        for candidate in names {
            let d = distance(typed, Array(candidate.utf8))
            if d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        guard let best, best.distance <= max(2, typed.count / 3) else { return nil }
        return best.name
    }

    /// Levenshtein distance, with a transposition counted as one edit (`usgae`).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { current[j] = min(current[j], before[j - 2] + 1) }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
