/// libFuzzer entry point for the strict JSON parser every request body goes through.
///
/// Any input must either be refused with a `JSONParseError` or parse into a value whose
/// serialization parses back to the same value (round trip), without crashing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSON.parse(bytes) else { return 0 }
    let text = value.serialized()
    guard let again = try? JSON.parse(text) else {
        fatalError("serialized JSON does not parse: \(String(decoding: text, as: UTF8.self))")
    }
    if !equivalent(again, value) {
        fatalError("round trip changed the value")
    }
    return 0
}

/// Equality where an integral double equals the same integer (the serializer writes `-3e2` as `-300`).
func equivalent(_ a: JSON, _ b: JSON) -> Bool {
    switch (a, b) {
    case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
    case (.double(let x), .double(let y)): return x == y
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { pair in y[pair.key].map { equivalent(pair.value, $0) } ?? false }
    default: return a == b
    }
}

