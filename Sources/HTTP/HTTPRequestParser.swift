/// An incremental HTTP/1.1 request parser (RFC 9112) over bytes fed in any split.
///
/// Pure Swift with no Foundation or syscalls, so the libFuzzer target compiles it on its own
/// (see Tests/Fuzz). Feed bytes with `feed`, then call `next()` until it says `.needMore`.
/// After `.request` it starts on the next (pipelined) request with the bytes it still holds;
/// after `.error` it stays failed: the connection must answer and close.
///
/// Strictness follows RFC 9112 §11 (request smuggling): Content-Length together with
/// Transfer-Encoding, duplicate or non-numeric Content-Length, obs-fold, whitespace before the colon
/// and control bytes are all rejected instead of being guessed at. A bare LF ends a line of the head
/// (RFC 9112 §2.2 allows it there), but never a line of chunked framing — chunk-size lines, the CRLF
/// after chunk data, trailer fields and the final empty line: a proxy that reads `\n` differently
/// there would see other chunk boundaries than we do.
struct HTTPRequestParser {
    /// What `next()` found.
    enum Event {
        /// The buffered bytes do not hold the next step yet.
        case needMore
        /// A head announcing a body was parsed; `expectContinue` when the client waits for `100 Continue`
        /// before sending it (and has not started sending it yet).
        case headReceived(expectContinue: Bool)
        /// A complete request.
        case request(HTTPRequest)
        /// A fatal framing error; answer and close.
        case error(HTTPParseError)
    }

    private enum BodyFraming {
        case none
        case length(Int)
        case chunked
    }

    private struct Head {
        var request: HTTPRequest
        var framing: BodyFraming
        var limit: Int
    }

    private enum State {
        case requestLine
        case headers(method: String, target: String, version: HTTPVersion, fields: [(String, String)], bytes: Int)
        case lengthBody(Head, remaining: Int)
        case chunkSize(Head)
        case chunkData(Head, remaining: Int)
        case chunkDataEnd(Head)
        case trailers(Head, count: Int, bytes: Int)
        case failed(HTTPParseError)
    }

    let limits: HTTPParserLimits
    private var buffer: [UInt8] = []
    /// First unconsumed byte.
    private var start = 0
    /// Where the search for the next LF resumes (so a trickling client costs O(n), not O(n²)).
    private var scan = 0
    /// Whether the line `nextLine` returned last ended in CRLF (false: a bare LF).
    private var lastLineEndedInCRLF = false
    private var state: State = .requestLine
    private var body: [UInt8] = []

    init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a complete request.
    var bufferedByteCount: Int { buffer.count - start }

    /// True between requests with nothing buffered (the connection is idle).
    var isIdle: Bool {
        if case .requestLine = state, start == buffer.count { return true }
        return false
    }

    /// True once the current request's head is complete and its body is being read.
    var isReadingBody: Bool {
        switch state {
        case .lengthBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers: true
        default: false
        }
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    mutating func next() -> Event {
        while true {
            switch state {
            case .failed(let error):
                return .error(error)

            case .requestLine:
                guard let line = nextLine(limit: limits.maxRequestLineBytes) else {
                    return bufferedByteCount > limits.maxRequestLineBytes ? fail(.uriTooLong) : .needMore
                }
                guard let line = line else { return fail(.uriTooLong) }
                if line.isEmpty { continue }  // RFC 9112 §2.2: ignore empty lines before the request-line
                switch parseRequestLine(line) {
                case .success(let parts):
                    state = .headers(method: parts.0, target: parts.1, version: parts.2, fields: [], bytes: 0)
                case .failure(let error):
                    return fail(error)
                }

            case .headers(let method, let target, let version, var fields, let bytes):
                let lineStart = start
                guard let line = nextLine(limit: limits.maxHeaderBytes - bytes) else {
                    return bytes + bufferedByteCount > limits.maxHeaderBytes ? fail(.headerFieldsTooLarge) : .needMore
                }
                guard let line = line else { return fail(.headerFieldsTooLarge) }
                let newBytes = bytes + (start - lineStart)
                if line.isEmpty {
                    switch makeHead(method: method, target: target, version: version, fields: fields) {
                    case .failure(let error):
                        return fail(error)
                    case .success(let head):
                        switch head.framing {
                        case .none:
                            state = .requestLine
                            return .request(head.request)
                        case .length(let n):
                            state = .lengthBody(head, remaining: n)
                        case .chunked:
                            state = .chunkSize(head)
                        }
                        body = []
                        let waiting = bufferedByteCount == 0
                        let expect = head.request.version == .http1_1
                            && head.request.headers["Expect"].map { $0.lowercasedASCII() == "100-continue" } == true
                        return .headReceived(expectContinue: expect && waiting)
                    }
                }
                guard fields.count < limits.maxHeaderCount else { return fail(.headerFieldsTooLarge) }
                switch parseField(line) {
                case .success(let field): fields.append(field)
                case .failure(let error): return fail(error)
                }
                state = .headers(method: method, target: target, version: version, fields: fields, bytes: newBytes)

            case .lengthBody(var head, let remaining):
                guard bufferedByteCount >= remaining else { return .needMore }
                head.request.body = Array(buffer[start..<(start + remaining)])
                start += remaining
                scan = start
                state = .requestLine
                return .request(head.request)

            case .chunkSize(let head):
                guard let line = nextLine(limit: 4096) else {
                    return bufferedByteCount > 4096 ? fail(.badRequest("chunk size line too long")) : .needMore
                }
                guard let line = line else { return fail(.badRequest("chunk size line too long")) }
                guard lastLineEndedInCRLF else { return fail(Self.bareLFInChunkedBody) }
                guard let size = parseChunkSize(line) else { return fail(.badRequest("malformed chunk size")) }
                if size == 0 {
                    state = .trailers(head, count: 0, bytes: 0)
                } else {
                    guard body.count + size <= head.limit else { return fail(.payloadTooLarge) }
                    state = .chunkData(head, remaining: size)
                }

            case .chunkData(let head, let remaining):
                guard bufferedByteCount > 0 else { return .needMore }
                let n = min(remaining, bufferedByteCount)
                body.append(contentsOf: buffer[start..<(start + n)])
                start += n
                scan = start
                state = n == remaining ? .chunkDataEnd(head) : .chunkData(head, remaining: remaining - n)

            case .chunkDataEnd(let head):
                guard let line = nextLine(limit: 2) else {
                    return bufferedByteCount > 2 ? fail(.badRequest("missing CRLF after chunk data")) : .needMore
                }
                guard line?.isEmpty == true else { return fail(.badRequest("missing CRLF after chunk data")) }
                guard lastLineEndedInCRLF else { return fail(Self.bareLFInChunkedBody) }
                state = .chunkSize(head)

            case .trailers(var head, let count, let bytes):
                let lineStart = start
                guard let line = nextLine(limit: limits.maxHeaderBytes - bytes) else {
                    return bytes + bufferedByteCount > limits.maxHeaderBytes ? fail(.headerFieldsTooLarge) : .needMore
                }
                guard let line = line else { return fail(.headerFieldsTooLarge) }
                guard lastLineEndedInCRLF else { return fail(Self.bareLFInChunkedBody) }
                if line.isEmpty {
                    // Trailer fields are validated but dropped: nothing here needs them (RFC 9110 §6.5.1
                    // lets a recipient discard them).
                    head.request.body = body
                    body = []
                    state = .requestLine
                    return .request(head.request)
                }
                guard count < limits.maxHeaderCount else { return fail(.headerFieldsTooLarge) }
                if case .failure(let error) = parseField(line) { return fail(error) }
                state = .trailers(head, count: count + 1, bytes: bytes + (start - lineStart))
            }
        }
    }

    // MARK: - Lines

    /// The next line without its CRLF (or bare LF, RFC 9112 §2.2), consuming it.
    /// Returns nil when no full line is buffered yet, `.some(nil)` when the line exceeds `limit`.
    private mutating func nextLine(limit: Int) -> [UInt8]?? {
        var i = max(scan, start)
        let end = buffer.count
        let found: Int? = buffer.withUnsafeBufferPointer { b in
            while i < end {
                if b[i] == 10 { return i }
                i += 1
            }
            return nil
        }
        guard let lf = found else {
            scan = end
            return nil
        }
        var lineEnd = lf
        lastLineEndedInCRLF = lineEnd > start && buffer[lineEnd - 1] == 13
        if lastLineEndedInCRLF { lineEnd -= 1 }
        if lineEnd - start > limit { return .some(nil) }
        let line = Array(buffer[start..<lineEnd])
        start = lf + 1
        scan = start
        return .some(line)
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 256 * 1024)
            start = 0
            scan = 0
        } else if start > 64 * 1024 {
            buffer.removeFirst(start)
            scan -= start
            start = 0
        }
    }

    private static let bareLFInChunkedBody = HTTPParseError.badRequest("chunked framing needs CRLF line endings, not a bare LF")

    private mutating func fail(_ error: HTTPParseError) -> Event {
        state = .failed(error)
        return .error(error)
    }

    // MARK: - Request line and fields

    private func parseRequestLine(_ line: [UInt8]) -> Result<(String, String, HTTPVersion), HTTPParseError> {
        guard let sp1 = line.firstIndex(of: 32) else { return .failure(.badRequest("malformed request line")) }
        guard let sp2 = line[(sp1 + 1)...].firstIndex(of: 32) else { return .failure(.badRequest("malformed request line")) }
        let method = line[0..<sp1]
        let target = line[(sp1 + 1)..<sp2]
        let version = line[(sp2 + 1)...]
        guard !method.isEmpty, method.allSatisfy(Self.isTokenByte) else { return .failure(.badRequest("invalid method")) }
        guard !target.isEmpty, target.allSatisfy({ $0 > 32 && $0 < 127 }) else { return .failure(.badRequest("invalid request target")) }
        let httpVersion: HTTPVersion
        if version.elementsEqual("HTTP/1.1".utf8) {
            httpVersion = .http1_1
        } else if version.elementsEqual("HTTP/1.0".utf8) {
            httpVersion = .http1_0
        } else {
            return .failure(.badRequest("unsupported HTTP version"))
        }
        return .success((String(decoding: method, as: UTF8.self), String(decoding: target, as: UTF8.self), httpVersion))
    }

    private func parseField(_ line: [UInt8]) -> Result<(String, String), HTTPParseError> {
        if line[0] == 32 || line[0] == 9 { return .failure(.badRequest("obsolete line folding")) }
        guard let colon = line.firstIndex(of: 58) else { return .failure(.badRequest("header field without colon")) }
        let name = line[0..<colon]
        guard !name.isEmpty else { return .failure(.badRequest("empty header name")) }
        if let last = name.last, last == 32 || last == 9 { return .failure(.badRequest("whitespace before colon")) }
        guard name.allSatisfy(Self.isTokenByte) else { return .failure(.badRequest("invalid header name")) }
        var vs = colon + 1
        var ve = line.count
        while vs < ve, line[vs] == 32 || line[vs] == 9 { vs += 1 }
        while ve > vs, line[ve - 1] == 32 || line[ve - 1] == 9 { ve -= 1 }
        let value = line[vs..<ve]
        // RFC 9110 §5.5: field values are VCHAR / obs-text / SP / HTAB; CR, LF, NUL and other controls are fatal.
        guard value.allSatisfy({ ($0 >= 32 && $0 != 127) || $0 == 9 }) else {
            return .failure(.badRequest("control character in header value"))
        }
        return .success((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
    }

    private func makeHead(method: String, target: String, version: HTTPVersion, fields: [(String, String)]) -> Result<Head, HTTPParseError> {
        let headers = HTTPHeaders(fields)
        let hosts = headers.values("Host")
        if version == .http1_1 && hosts.isEmpty { return .failure(.badRequest("missing Host header")) }
        if hosts.count > 1 { return .failure(.badRequest("multiple Host headers")) }
        guard HTTPTarget.split(target) != nil else { return .failure(.badRequest("invalid request target")) }
        if target == "*" && method != "OPTIONS" { return .failure(.badRequest("invalid request target")) }
        var request = HTTPRequest(method: HTTPMethod(method), target: target, version: version, headers: headers)
        let limit = limits.bodyLimit(forPath: request.path)
        let transferEncodings = headers.values("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        if !transferEncodings.isEmpty {
            if !lengths.isEmpty { return .failure(.badRequest("both Content-Length and Transfer-Encoding")) }
            if version == .http1_0 { return .failure(.badRequest("Transfer-Encoding in HTTP/1.0")) }
            guard transferEncodings.count == 1, transferEncodings[0].lowercasedASCII() == "chunked" else {
                return .failure(.badRequest("unsupported Transfer-Encoding"))
            }
            return .success(Head(request: request, framing: .chunked, limit: limit))
        }
        guard !lengths.isEmpty else { return .success(Head(request: request, framing: .none, limit: limit)) }
        guard lengths.count == 1 else { return .failure(.badRequest("duplicate Content-Length")) }
        let digits = lengths[0].utf8
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return .failure(.badRequest("invalid Content-Length"))
        }
        let length = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
        guard length <= limit else { return .failure(.payloadTooLarge) }
        if length == 0 {
            request.body = []
            return .success(Head(request: request, framing: .none, limit: limit))
        }
        return .success(Head(request: request, framing: .length(length), limit: limit))
    }

    /// `1a3` or `1a3;name=value` → 0x1a3. At most 15 hex digits, so it cannot overflow.
    private func parseChunkSize(_ line: [UInt8]) -> Int? {
        var size = 0
        var digits = 0
        var i = 0
        while i < line.count, let v = HTTPTarget.hexValue(line[i]) {
            size = size << 4 | Int(v)
            digits += 1
            i += 1
            if digits > 15 { return nil }
        }
        guard digits > 0 else { return nil }
        while i < line.count, line[i] == 32 || line[i] == 9 { i += 1 }
        if i < line.count {
            guard line[i] == 59 else { return nil }  // ';' chunk-ext, ignored
            guard line[(i + 1)...].allSatisfy({ ($0 >= 32 && $0 != 127) || $0 == 9 }) else { return nil }
        }
        return size
    }

    /// RFC 9110 §5.6.2 tchar.
    static func isTokenByte(_ c: UInt8) -> Bool {
        switch c {
        case 48...57, 65...90, 97...122: true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: true
        default: false
        }
    }
}
