import Support

/// Exact conversion between our integer cents and Asaas's decimal BRL numbers.
///
/// Outgoing amounts are written as decimal text built from integers (`12345` → `123.45`), never
/// through a `Double`. Incoming numbers arrive as `JSON.int` or `JSON.double`; a double is the
/// nearest binary value to a decimal with at most two places, so `(d * 100).rounded()` recovers the
/// cents exactly for every amount Asaas accepts (≤ R$ 99,999,999.99 is far below 2^53 cents).
public enum AsaasMoney {
    /// `12345` → `"123.45"`, `1` → `"0.01"`, `-50` → `"-0.50"`.
    public static func decimalText(cents: Int64) -> String {
        let negative = cents < 0
        let magnitude = cents.magnitude
        let units = magnitude / 100
        let fraction = magnitude % 100
        return (negative ? "-" : "") + "\(units)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// Cents from a JSON number (or numeric string), nil when absent, null or not a number.
    public static func cents(_ value: JSON?) -> Int64? {
        switch value {
        case .int(let units)?:
            let (product, overflow) = units.multipliedReportingOverflow(by: 100)
            return overflow ? nil : product
        case .double(let amount)?:
            let scaled = (amount * 100).rounded(.toNearestOrAwayFromZero)
            guard scaled.isFinite, abs(scaled) < 9.0e15 else { return nil }
            return Int64(scaled)
        case .string(let text)?:
            return cents(text: text)
        default:
            return nil
        }
    }

    /// Parses decimal text (`"123.4"`, `"0.01"`, `"-5"`) exactly; nil for more than two decimals or junk.
    public static func cents(text: String) -> Int64? {
        var rest = Substring(text)
        let negative = rest.hasPrefix("-")
        if negative { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let unitsText = parts.first, !unitsText.isEmpty, unitsText.count <= 15,
              unitsText.allSatisfy({ $0.isASCII && $0.isNumber }), let units = Int64(unitsText) else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...2).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int64(digits) else { return nil }
            fraction = digits.count == 1 ? value * 10 : value
        }
        let cents = units * 100 + fraction
        return negative ? -cents : cents
    }
}

/// A JSON request body whose money fields are written as exact decimal text.
///
/// `JSON` has no decimal case, so the object is serialized and the amounts are appended as raw
/// number tokens before the closing brace (they are always top-level in the Asaas requests we send).
struct AsaasBody: Sendable {
    var object = JSONObject()
    var money: [(String, Int64)] = []

    subscript(key: String) -> JSON? {
        get { object[key] }
        set { object[key] = newValue }
    }

    /// Sets `key` to `value` unless it is nil (Asaas treats an absent field as "unchanged").
    mutating func set(_ key: String, _ value: String?) { if let value { object[key] = .string(value) } }
    mutating func set(_ key: String, _ value: Bool?) { if let value { object[key] = .bool(value) } }
    mutating func set(_ key: String, _ value: Int?) { if let value { object[key] = .int(Int64(value)) } }
    mutating func setMoney(_ key: String, cents: Int64?) { if let cents { money.append((key, cents)) } }

    func bytes() -> [UInt8] {
        var out = JSON.object(object).serialized()
        guard !money.isEmpty else { return out }
        out.removeLast()  // the closing "}"
        var first = object.count == 0
        for (key, cents) in money {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out += JSON.string(key).serialized()
            out.append(UInt8(ascii: ":"))
            out += Array(AsaasMoney.decimalText(cents: cents).utf8)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
