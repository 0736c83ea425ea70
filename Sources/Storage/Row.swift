/// Column names of one statement, shared by every row it produces.
final class ColumnIndex: Sendable {
    let names: [String]
    private let positions: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        // First column wins on duplicate names, as in SQLite's own name lookup.
        for (i, n) in names.enumerated() where positions[n] == nil { positions[n] = i }
        self.positions = positions
    }

    func position(of name: String) -> Int? {
        if let i = positions[name] { return i }
        // SQLite identifiers are case-insensitive; fall back to a slow scan.
        let lower = name.lowercased()
        return names.firstIndex { $0.lowercased() == lower }
    }
}

/// One result row: values by column name or position, copied out of SQLite.
public struct Row: Sendable {
    let index: ColumnIndex
    /// The values in column order.
    public let values: [SQLValue]

    init(index: ColumnIndex, values: [SQLValue]) {
        self.index = index
        self.values = values
    }

    /// Column names in order.
    public var columns: [String] { index.names }

    /// The value of `column`, or `.null` when the row has no such column.
    public subscript(column: String) -> SQLValue {
        guard let i = index.position(of: column) else { return .null }
        return values[i]
    }

    /// The value at position `index`, or `.null` when out of range.
    public subscript(index: Int) -> SQLValue {
        values.indices.contains(index) ? values[index] : .null
    }

    public func int(_ c: String) -> Int64? { self[c].int64Value }
    public func string(_ c: String) -> String? { self[c].stringValue }
    public func double(_ c: String) -> Double? { self[c].doubleValue }
    public func blob(_ c: String) -> [UInt8]? { self[c].blobValue }
    public func bool(_ c: String) -> Bool? { self[c].boolValue }

    /// True when the row has a column named `column` (even if its value is NULL).
    public func hasColumn(_ column: String) -> Bool { index.position(of: column) != nil }
}

extension Row: CustomStringConvertible {
    public var description: String {
        "[" + zip(columns, values).map { "\($0): \($1)" }.joined(separator: ", ") + "]"
    }
}
