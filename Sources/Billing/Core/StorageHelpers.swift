import Storage

/// The integer inside a scalar result, if it is one.
func int64(of value: SQLValue) -> Int64? {
    if case .integer(let v) = value { return v }
    return nil
}

/// The text inside a scalar result, if it is one.
func string(of value: SQLValue) -> String? {
    if case .text(let v) = value { return v }
    return nil
}

/// An optional integer as a bound value (`NULL` when nil).
func sqlInt(_ value: Int?) -> SQLValue {
    value.map { .integer(Int64($0)) } ?? .null
}
