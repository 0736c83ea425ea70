import CPostgres

/// How `SQLValue`s travel to PostgreSQL and back.
///
/// Parameters: `.integer` as `int8` and `.real` as `float8` (binary, exact), `.text` as `text`
/// (so `SELECT ?`, `? || 'x'` and `text_col = ?` type-check), `.blob` as binary `bytea`, `.null` as
/// an untyped NULL the server types from context. Results arrive in text format and are decoded by
/// column type: integers, `numeric` (integral values, e.g. `SUM(bigint)`, become `.integer`), floats,
/// `bool` (as 0 / 1), `bytea`, and everything else as text.
enum PostgresValues {
    // Type OIDs from pg_type.dat.
    static let bool: Oid = 16, bytea: Oid = 17, int8: Oid = 20, int2: Oid = 21, int4: Oid = 23, text: Oid = 25, oid: Oid = 26
    static let float4: Oid = 700, float8: Oid = 701, numeric: Oid = 1700

    /// The parameter type sent for `value` (part of the prepared statement's identity).
    static func parameterType(_ value: SQLValue) -> Oid {
        switch value {
        case .null: return 0
        case .integer: return int8
        case .real: return float8
        case .text: return text
        case .blob: return bytea
        }
    }

    /// One letter per parameter type, appended to the SQL text to key the statement cache.
    static func signature(_ values: [SQLValue]) -> String {
        var s = ""
        s.reserveCapacity(values.count)
        for v in values {
            switch v {
            case .null: s += "n"
            case .integer: s += "i"
            case .real: s += "r"
            case .text: s += "t"
            case .blob: s += "b"
            }
        }
        return s
    }

    /// Calls `body` with libpq's parameter arrays (values, lengths, formats) for `values`.
    static func withParameters<T>(_ values: [SQLValue], _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> T) -> T {
        guard !values.isEmpty else { return body(nil, nil, nil) }
        // One buffer for every value; offsets into it, -1 for NULL. A leading byte keeps the base
        // address non-nil, so an empty bytea is a zero-length value rather than NULL.
        var buffer: [UInt8] = [0]
        var offsets: [Int] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        offsets.reserveCapacity(values.count)
        lengths.reserveCapacity(values.count)
        formats.reserveCapacity(values.count)
        for value in values {
            switch value {
            case .null:
                offsets.append(-1)
                lengths.append(0)
                formats.append(0)
            case .integer(let v):
                offsets.append(buffer.count)
                withUnsafeBytes(of: v.bigEndian) { buffer.append(contentsOf: $0) }
                lengths.append(8)
                formats.append(1)
            case .real(let d):
                offsets.append(buffer.count)
                withUnsafeBytes(of: d.bitPattern.bigEndian) { buffer.append(contentsOf: $0) }
                lengths.append(8)
                formats.append(1)
            case .text(let s):
                // Text format: NUL-terminated (PostgreSQL text cannot hold NUL; the server refuses it).
                offsets.append(buffer.count)
                buffer.append(contentsOf: s.utf8)
                buffer.append(0)
                lengths.append(0)
                formats.append(0)
            case .blob(let bytes):
                offsets.append(buffer.count)
                buffer.append(contentsOf: bytes)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        return buffer.withUnsafeBufferPointer { raw in
            let base = UnsafeRawPointer(raw.baseAddress!).assumingMemoryBound(to: CChar.self)
            let pointers: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : base + $0 }
            return pointers.withUnsafeBufferPointer { p in
                lengths.withUnsafeBufferPointer { l in
                    formats.withUnsafeBufferPointer { f in body(p.baseAddress, l.baseAddress, f.baseAddress) }
                }
            }
        }
    }

    /// The value at (`row`, `column`) of a text-format result, by the column's type.
    static func value(_ result: OpaquePointer, row: Int32, column: Int32, type: Oid) -> SQLValue {
        if PQgetisnull(result, row, column) != 0 { return .null }
        let count = Int(PQgetlength(result, row, column))
        let bytes = UnsafeRawPointer(PQgetvalue(result, row, column)!).assumingMemoryBound(to: UInt8.self)
        let buffer = UnsafeBufferPointer(start: bytes, count: count)
        switch type {
        case int8, int4, int2, oid:
            if let v = parseInteger(buffer) { return .integer(v) }
            return .text(String(decoding: buffer, as: UTF8.self))
        case float8, float4:
            return .real(Double(String(decoding: buffer, as: UTF8.self)) ?? .nan)
        case numeric:
            return numericValue(buffer)
        case bool:
            return .integer(count > 0 && bytes[0] == UInt8(ascii: "t") ? 1 : 0)
        case bytea:
            return .blob(decodeBytea(buffer))
        default:
            return .text(String(decoding: buffer, as: UTF8.self))
        }
    }

    /// A decimal integer (optional sign), nil on anything else or overflow.
    static func parseInteger(_ digits: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if i < digits.count, digits[i] == UInt8(ascii: "-") || digits[i] == UInt8(ascii: "+") {
            negative = digits[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < digits.count else { return nil }
        var value: Int64 = 0
        while i < digits.count {
            let d = digits[i] &- UInt8(ascii: "0")
            guard d <= 9 else { return nil }
            // Accumulate negatively so Int64.min parses.
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            value = s
            i += 1
        }
        if negative { return value }
        return value == Int64.min ? nil : -value
    }

    /// `numeric`: `.integer` when integral and within Int64 (`SUM(bigint)` is numeric), else `.real`.
    static func numericValue(_ buffer: UnsafeBufferPointer<UInt8>) -> SQLValue {
        var integerPart = buffer.count
        var fractionIsZero = true
        if let dot = buffer.firstIndex(of: UInt8(ascii: ".")) {
            integerPart = dot
            fractionIsZero = buffer[(dot + 1)...].allSatisfy { $0 == UInt8(ascii: "0") }
        }
        if fractionIsZero, let v = parseInteger(UnsafeBufferPointer(rebasing: buffer[0..<integerPart])) { return .integer(v) }
        return .real(Double(String(decoding: buffer, as: UTF8.self)) ?? .nan)
    }

    /// `bytea` text output: hex (`\x0102`, the default) or the older escape format.
    static func decodeBytea(_ buffer: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        func hex(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return 0
            }
        }
        if buffer.count >= 2, buffer[0] == UInt8(ascii: "\\"), buffer[1] == UInt8(ascii: "x") {
            var out: [UInt8] = []
            out.reserveCapacity((buffer.count - 2) / 2)
            var i = 2
            while i + 1 < buffer.count {
                out.append(hex(buffer[i]) << 4 | hex(buffer[i + 1]))
                i += 2
            }
            return out
        }
        var out: [UInt8] = []
        var i = 0
        while i < buffer.count {
            if buffer[i] == UInt8(ascii: "\\"), i + 1 < buffer.count {
                if buffer[i + 1] == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                    i += 2
                    continue
                }
                if i + 3 < buffer.count {
                    out.append((buffer[i + 1] - 48) << 6 | (buffer[i + 2] - 48) << 3 | (buffer[i + 3] - 48))
                    i += 4
                    continue
                }
            }
            out.append(buffer[i])
            i += 1
        }
        return out
    }
}
