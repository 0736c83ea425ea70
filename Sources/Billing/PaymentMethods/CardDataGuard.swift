import Support

/// Refuses anything that looks like a full card number (13–19 digits passing Luhn) or a security
/// code, wherever it appears in a request (SPEC §7: never stored or logged). The error names the field
/// but never repeats the value.
public enum CardDataGuard {
    /// Field names that only ever carry a PAN or a CVV (compared without case, `_` and `-`).
    static let forbiddenNames: Set<String> = ["cardnumber", "number", "pan", "ccnumber", "creditcardnumber", "cvv", "cvv2", "cvc", "cvc2",
                                              "ccv", "securitycode", "cardcode", "cardverificationvalue"]

    /// Checks every named value (recursively through objects and arrays). A value sent under an empty
    /// name (`?=…`, `{"":…}`) is reported as `(unnamed)`, so the error still names a field.
    public static func check(_ fields: [(name: String, value: JSON)]) throws {
        for (name, value) in fields { try check(value, path: name.isEmpty ? "(unnamed)" : name) }
    }

    static func check(_ value: JSON, path: String) throws {
        let leaf = path.split(separator: ".").last.map(String.init) ?? path
        let normalized = leaf.lowercased().filter { $0 != "_" && $0 != "-" }
        if forbiddenNames.contains(normalized) {
            throw BillingError.validation(field: path, reason: "must not be sent: card numbers and security codes are never accepted; send the gateway token")
        }
        switch value {
        case .string(let s):
            if looksLikePAN(s) { throw BillingError.validation(field: path, reason: "looks like a full card number, which is never accepted; send the gateway token") }
        case .int(let i):
            if looksLikePAN(String(i)) { throw BillingError.validation(field: path, reason: "looks like a full card number, which is never accepted; send the gateway token") }
        case .object(let o):
            for (k, v) in o { try check(v, path: "\(path).\(k)") }
        case .array(let a):
            for (i, v) in a.enumerated() { try check(v, path: "\(path)[\(i)]") }
        default:
            break
        }
    }

    /// 13–19 digits (spaces and dashes ignored) that pass the Luhn check. A UUID (an id, or a gateway's card
    /// token) is never one, though its digit runs can pass Luhn once the dashes are dropped.
    public static func looksLikePAN(_ text: String) -> Bool {
        if UUIDv7.isValid(text) { return false }
        var digits: [Int] = []
        for c in text.unicodeScalars {
            if c == " " || c == "-" { continue }
            guard c.value >= 48, c.value <= 57 else { return containsEmbeddedPAN(text) }
            digits.append(Int(c.value - 48))
            if digits.count > 19 { return containsEmbeddedPAN(text) }
        }
        return (13...19).contains(digits.count) && luhn(digits)
    }

    /// A PAN inside longer text ("card 4111 1111 1111 1111 exp"): any run of 13–19 digits (spaces/dashes allowed between) passing Luhn.
    static func containsEmbeddedPAN(_ text: String) -> Bool {
        var run: [Int] = []
        func runHasPAN() -> Bool {
            guard run.count >= 13 else { return false }
            for length in 13...min(19, run.count) {
                for start in 0...(run.count - length) where luhn(Array(run[start..<(start + length)])) { return true }
            }
            return false
        }
        for c in text.unicodeScalars {
            if c.value >= 48, c.value <= 57 {
                run.append(Int(c.value - 48))
            } else if c == " " || c == "-" {
                continue
            } else {
                if runHasPAN() { return true }
                run.removeAll()
            }
        }
        return runHasPAN()
    }

    static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            if i % 2 == 1 {
                let doubled = d * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += d
            }
        }
        return sum % 10 == 0
    }
}
