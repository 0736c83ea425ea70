import Foundation
import Support

/// An Asaas-shaped failure: HTTP status plus one `{"code","description"}` entry (Asaas stops at the
/// first validation error, CONTRACT.md §5).
struct FakeError: Error {
    let status: Int
    let code: String
    let description: String

    init(_ status: Int, _ code: String, _ description: String) {
        self.status = status
        self.code = code
        self.description = description
    }

    /// A 400 validation error.
    init(_ code: String, _ description: String) { self.init(400, code, description) }

    static func notFound(_ what: String) -> FakeError { FakeError(404, "not_found", "\(what) não encontrado.") }
    static func invalidAction(_ description: String) -> FakeError { FakeError(400, "invalid_action", description) }

    var body: JSON { ["errors": [["code": .string(code), "description": .string(description)]]] }
}

/// Money on the wire is a JSON number in BRL with up to two decimals; the fake keeps cents.
enum FakeMoney {
    static let maxCents: Int64 = 9_999_999_999  // R$ 99,999,999.99

    /// Cents from a JSON number or numeric string; nil when not a number with at most two decimals.
    static func cents(_ value: JSON?) -> Int64? {
        switch value {
        case .int(let units)?:
            let (product, overflow) = units.multipliedReportingOverflow(by: 100)
            return overflow ? nil : product
        case .double(let amount)?:
            let scaled = amount * 100
            let rounded = scaled.rounded(.toNearestOrAwayFromZero)
            guard rounded.isFinite, abs(rounded) < 9e15, abs(scaled - rounded) < 1e-6 * max(1, abs(scaled)) else { return nil }
            return Int64(rounded)
        case .string(let text)?:
            guard let amount = Double(text) else { return nil }
            return cents(.double(amount))
        default:
            return nil
        }
    }

    /// A JSON number for `cents`: integral amounts as integers (`100`), others with their decimals (`98.01`).
    static func json(_ cents: Int64) -> JSON {
        cents % 100 == 0 ? .int(cents / 100) : .double(Double(cents) / 100)
    }

    /// A required, positive amount within Asaas's range, or `invalid_<field>`.
    static func required(_ value: JSON?, field: String = "value") throws(FakeError) -> Int64 {
        guard let value, !value.isNull else { throw FakeError("invalid_\(field)", "O campo \(field) deve ser informado.") }
        guard let cents = cents(value), cents >= 1, cents <= maxCents else {
            throw FakeError("invalid_\(field)", "O valor informado é inválido.")
        }
        return cents
    }
}

/// Dates as Asaas writes them, in São Paulo time (UTC−3, no DST since 2019).
enum FakeDate {
    static let utcOffset: TimeInterval = -3 * 3600

    /// `YYYY-MM-DD` for today in São Paulo.
    static func today(_ now: Date = Date()) -> String { RFC3339.formatDate(now.addingTimeInterval(utcOffset)) }

    /// `YYYY-MM-DD HH:mm:ss` in São Paulo (webhook `dateCreated`, refund dates).
    static func timestamp(_ now: Date = Date()) -> String {
        let text = RFC3339.format(now.addingTimeInterval(utcOffset))  // 2026-11-25T18:00:00Z
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8))
    }

    /// Days since 1970-01-01 for `YYYY-MM-DD` (or the `DD/MM/YYYY` some Asaas payloads use).
    static func days(_ text: String) -> Int? {
        var iso = text
        let parts = text.split(separator: "/")
        if parts.count == 3, parts[0].count == 2, parts[1].count == 2, parts[2].count == 4 {
            iso = "\(parts[2])-\(parts[1])-\(parts[0])"
        }
        guard let date = RFC3339.parseDate(iso) else { return nil }
        return Int(date.timeIntervalSince1970 / 86400)
    }

    static func format(days: Int) -> String { RFC3339.formatDate(Date(timeIntervalSince1970: Double(days) * 86400)) }

    static func adding(days count: Int, to text: String) -> String {
        guard let start = days(text) else { return text }
        return format(days: start + count)
    }

    /// Adds calendar months, clamping the day (Jan 31 + 1 month = Feb 28/29).
    static func adding(months count: Int, to text: String) -> String {
        guard let start = days(text) else { return text }
        let iso = format(days: start)
        guard let year = Int(iso.prefix(4)), let month = Int(iso.dropFirst(5).prefix(2)), let day = Int(iso.suffix(2)) else {
            return text
        }
        let total = year * 12 + (month - 1) + count
        let newYear = total / 12
        let newMonth = total % 12 + 1
        let newDay = min(day, RFC3339.daysInMonth(year: newYear, month: newMonth))
        return format(days: CivilTime.days(year: newYear, month: newMonth, day: newDay))
    }

    /// A required `YYYY-MM-DD` field not before today.
    static func requiredFuture(_ value: JSON?, field: String) throws(FakeError) -> String {
        guard let text = value?.stringValue, !text.isEmpty else {
            throw FakeError("invalid_\(field)", "O campo \(field) deve ser informado.")
        }
        guard let day = days(text) else { throw FakeError("invalid_\(field)", "A data informada é inválida.") }
        guard let today = days(today()), day >= today else {
            throw FakeError("invalid_\(field)", "A data de vencimento não pode ser anterior à data atual.")
        }
        return format(days: day)
    }
}

/// CPF/CNPJ check digits (mod 11), as Asaas validates them.
enum FakeDocument {
    static func digits(_ text: String) -> [Int] { text.compactMap { $0.wholeNumberValue } }

    static func isValid(_ text: String) -> Bool {
        let d = digits(text)
        // Formatting characters are allowed, anything else is not.
        guard text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "/" || $0 == " " }) else { return false }
        switch d.count {
        case 11: return isValidCPF(d)
        case 14: return isValidCNPJ(d)
        default: return false
        }
    }

    static func personType(_ text: String) -> String { digits(text).count == 14 ? "JURIDICA" : "FISICA" }

    private static func isValidCPF(_ d: [Int]) -> Bool {
        guard Set(d).count > 1 else { return false }
        func check(_ count: Int) -> Int {
            var sum = 0
            for i in 0..<count { sum += d[i] * (count + 1 - i) }
            let r = (sum * 10) % 11
            return r == 10 ? 0 : r
        }
        return check(9) == d[9] && check(10) == d[10]
    }

    private static func isValidCNPJ(_ d: [Int]) -> Bool {
        guard Set(d).count > 1 else { return false }
        func check(_ weights: [Int]) -> Int {
            var sum = 0
            for (i, w) in weights.enumerated() { sum += d[i] * w }
            let r = sum % 11
            return r < 2 ? 0 : 11 - r
        }
        return check([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == d[12] && check([6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == d[13]
    }
}

/// Sandbox card rules: two numbers are always declined, everything else with 13–19 digits is approved.
enum FakeCard {
    static let declinedNumbers: Set<String> = ["5184019740373151", "4916561358240741"]
    static let declined = FakeError.invalidAction(
        "Transação não autorizada. Verifique os dados do cartão de crédito e tente novamente.")

    static func brand(_ number: String) -> String {
        let n = number
        if n.hasPrefix("4") { return "VISA" }
        if let two = Int(n.prefix(2)), (51...55).contains(two) { return "MASTERCARD" }
        if let four = Int(n.prefix(4)), (2221...2720).contains(four) { return "MASTERCARD" }
        if n.hasPrefix("34") || n.hasPrefix("37") { return "AMEX" }
        if n.hasPrefix("36") || n.hasPrefix("38") || n.hasPrefix("30") { return "DINERS" }
        if n.hasPrefix("6011") || n.hasPrefix("65") { return "DISCOVER" }
        if n.hasPrefix("35") { return "JCB" }
        if n.hasPrefix("636368") || n.hasPrefix("504175") || n.hasPrefix("4011") { return "ELO" }
        return "UNKNOWN"
    }

    /// Validates `creditCard` + `creditCardHolderInfo`; returns the bare card number.
    static func validate(card: JSON?, holder: JSON?) throws(FakeError) -> String {
        guard let card, card.objectValue != nil else {
            throw FakeError("invalid_creditCard", "Informe os dados do cartão de crédito.")
        }
        for field in ["holderName", "number", "expiryMonth", "expiryYear", "ccv"] {
            guard let value = card[field]?.stringValue, !value.isEmpty else {
                throw FakeError("invalid_creditCard", "O campo \(field) do cartão deve ser informado.")
            }
        }
        let number = String((card["number"]?.stringValue ?? "").filter { $0 != " " })
        guard (13...19).contains(number.count), number.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw FakeError("invalid_creditCard", "O número do cartão de crédito é inválido.")
        }
        guard let month = Int(card["expiryMonth"]?.stringValue ?? ""), (1...12).contains(month),
              let year = Int(card["expiryYear"]?.stringValue ?? ""), year >= 2000 else {
            throw FakeError("invalid_creditCard", "A data de validade do cartão é inválida.")
        }
        guard let holder, holder.objectValue != nil else {
            throw FakeError("invalid_creditCardHolderInfo", "Informe os dados do titular do cartão.")
        }
        for field in ["name", "email", "cpfCnpj", "postalCode", "addressNumber", "phone"] {
            guard let value = holder[field]?.stringValue, !value.isEmpty else {
                throw FakeError("invalid_creditCardHolderInfo", "O campo \(field) do titular deve ser informado.")
            }
        }
        guard FakeDocument.isValid(holder["cpfCnpj"]?.stringValue ?? "") else {
            throw FakeError("invalid_creditCardHolderInfo", "O CPF/CNPJ do titular é inválido.")
        }
        if declinedNumbers.contains(number) { throw declined }
        return number
    }
}

/// Random ids in Asaas's observed formats.
enum FakeID {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    static func random(_ prefix: String, count: Int = 16) -> String {
        prefix + String(SecureRandom.bytes(count).map { alphabet[Int($0) % alphabet.count] })
    }
}
