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
