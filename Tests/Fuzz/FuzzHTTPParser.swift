// libFuzzer entry point for the HTTP request parser; built by run.sh together with the
// parser's own source files (they are pure Swift: no Foundation, no syscalls).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var limits = HTTPParserLimits()
    limits.maxBodyBytes = 4096
    limits.maxRequestLineBytes = 512
    limits.maxHeaderBytes = 2048
    limits.maxHeaderCount = 20

    // The same bytes fed whole and fed in two pieces (split chosen by the first byte) must agree.
    let whole = run(limits, [bytes[...]])
    let split = size > 1 ? Int(bytes[0]) % size : 0
    let pieces = run(limits, [bytes[0..<split], bytes[split...]])
    precondition(whole == pieces, "split at \(split) changed the parse")
    return 0
}

private func run(_ limits: HTTPParserLimits, _ chunks: [Slice<UnsafeBufferPointer<UInt8>>]) -> [String] {
    var parser = HTTPRequestParser(limits: limits)
    var out: [String] = []
    for chunk in chunks {
        parser.feed(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(chunk.base)[chunk.startIndex..<chunk.endIndex]))
        var steps = 0
        loop: while steps < 10_000 {
            steps += 1
            switch parser.next() {
            case .needMore:
                break loop
            case .headReceived:
                continue
            case .request(let request):
                precondition(request.body.count <= limits.bodyLimit(forPath: request.path))
                out.append("\(request.method.rawValue) \(request.path) \(request.headers.count) \(request.body.count) \(request.queryItems.count)")
            case .error(let error):
                out.append("error \(error)")
                return out
            }
        }
        precondition(steps < 10_000, "parser did not make progress")
    }
    return out
}
