/// What every CSV body (`export_usage`) must satisfy, read by a strict RFC 4180 reader of its own:
/// well-formed quoting, every record as wide as the header, and no text cell that a spreadsheet
/// would run as a formula (only `quantity`, a number, may start with `-`).
enum CSVExportInvariant {
    /// Why `body` breaks the invariant, or nil.
    static func violation(_ body: [UInt8]) -> String? {
        guard let records = records(body) else { return "the CSV is not well-formed RFC 4180" }
        guard let header = records.first else { return "the CSV has no header" }
        let quantityColumn = header.firstIndex(of: "quantity")
        for (index, record) in records.enumerated() {
            guard record.count == header.count else { return "record \(index) has \(record.count) cells, the header \(header.count)" }
            for (column, cell) in record.enumerated() where column != quantityColumn && startsLikeFormula(cell) {
                return "record \(index) cell \(column) would run as a formula"
            }
        }
        return nil
    }

    /// The records of `body`, each ended by CRLF; nil when a quote is misplaced or a record is unterminated.
    static func records(_ body: [UInt8]) -> [[String]]? {
        var records: [[String]] = [], record: [String] = [], field: [UInt8] = []
        var index = 0, quoted = false, atFieldStart = true
        while index < body.count {
            let byte = body[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < body.count, body[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                        guard index + 1 == body.count || [UInt8(ascii: ","), 13].contains(body[index + 1]) else { return nil }
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                guard atFieldStart else { return nil }
                quoted = true
            } else if byte == UInt8(ascii: ",") {
                record.append(String(decoding: field, as: UTF8.self))
                field = []
                atFieldStart = true
                index += 1
                continue
            } else if byte == 13 {
                guard index + 1 < body.count, body[index + 1] == 10 else { return nil }
                record.append(String(decoding: field, as: UTF8.self))
                records.append(record)
                record = []
                field = []
                atFieldStart = true
                index += 2
                continue
            } else if byte == 10 {
                return nil
            } else {
                field.append(byte)
            }
            atFieldStart = false
            index += 1
        }
        return quoted || !record.isEmpty || !field.isEmpty ? nil : records
    }

    /// `=`, `+`, `-` or `@`, or a tab or CR, after any leading white space, control or format characters.
    static func startsLikeFormula(_ cell: String) -> Bool {
        for scalar in cell.unicodeScalars {
            if "=+-@\t\r".unicodeScalars.contains(scalar) { return true }
            let category = scalar.properties.generalCategory
            if !(scalar.properties.isWhitespace || category == .control || category == .format) { return false }
        }
        return false
    }
}
