/// Exact integer money arithmetic: cents for amounts, micro-units for unit prices.
///
/// Nothing here touches floating point. Products are taken at full width (128 bits) so a
/// price × seconds or quantity × micro-price never overflows before it is divided.
public enum Money {
    /// Micro-units per cent (1,000,000 micro-units = one currency unit = 100 cents).
    public static let microsPerCent: Int64 = 10_000

    /// `a × b / c` rounded half to even, or nil when the result does not fit in an Int64 (`c` > 0).
    public static func mulDivHalfEven(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64? {
        precondition(c > 0, "divisor must be positive")
        let negative = (a < 0) != (b < 0) && a != 0 && b != 0
        let product = a.magnitude.multipliedFullWidth(by: b.magnitude)
        let divisor = c.magnitude
        guard product.high < divisor else { return nil }
        let (quotient, r) = divisor.dividingFullWidth(product)
        var q = quotient
        // Half-even: above half rounds up; exactly half rounds to the even quotient.
        let twiceR = r.multipliedReportingOverflow(by: 2)
        if twiceR.overflow || twiceR.partialValue > divisor || (twiceR.partialValue == divisor && q % 2 == 1) {
            q += 1
        }
        guard q <= UInt64(Int64.max) else { return nil }
        return negative ? -Int64(q) : Int64(q)
    }

    /// `quantity × unitMicros` in cents, rounded half to even (one line of an invoice).
    public static func lineCents(quantity: Int64, unitMicros: Int64) -> Int64? {
        mulDivHalfEven(quantity, unitMicros, microsPerCent)
    }

    /// Checked sum; nil on overflow.
    public static func sum(_ values: [Int64]) -> Int64? {
        var total: Int64 = 0
        for v in values {
            let (s, overflow) = total.addingReportingOverflow(v)
            if overflow { return nil }
            total = s
        }
        return total
    }

    /// `cents` as a decimal amount with two places (`12345` → `"123.45"`, `-5` → `"-0.05"`).
    public static func format(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let m = cents.magnitude
        let frac = m % 100
        return "\(sign)\(m / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}
