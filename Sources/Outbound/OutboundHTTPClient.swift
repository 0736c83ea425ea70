import CCurl
import Foundation
import Support
import Synchronization

/// Blocking HTTP client on libcurl easy handles, for worker threads (never the
/// event loop or the cooperative pool: a call blocks for up to `timeout`).
///
/// TLS peers are verified, redirects are not followed, and only http/https URLs are
/// accepted. Connections are reused per origin: idle easy handles, each keeping
/// its own connection cache, wait in a small pool keyed by `scheme://host:port`,
/// and a later request to the same origin takes the most recently used one, whose
/// connection is most likely still open.
public final class OutboundHTTPClient: Sendable {
    private let userAgent: String
    private let idle = Mutex(IdleHandles())

    /// Idle handles kept per origin (so this many concurrent requests to one host
    /// can each reuse a connection) and in total.
    static let maxIdlePerOrigin = 4
    static let maxIdleTotal = 64

    public init(userAgent: String) {
        self.userAgent = userAgent
    }

    /// Performs `request`; any HTTP status is a response, only a failed exchange throws.
    public func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse {
        let origin = try Self.origin(of: request.url)
        let easy = try checkOut(origin)
        defer { checkIn(easy, origin: origin) }

        let headerList = try Self.headerList(for: request)
        let collector = ResponseCollector(limit: request.maxResponseBytes)
        try configure(easy, request, headerList: headerList, collector: collector)

        let start = monotonicNanoseconds()
        let code = withExtendedLifetime((collector, headerList)) { easy.perform() }
        let duration = Double(monotonicNanoseconds() - start) / 1e9
        guard code == CURLE_OK else {
            if collector.exceededLimit {
                throw .other(code: Int(code.rawValue), message: "response body exceeds \(request.maxResponseBytes) bytes")
            }
            throw easy.error(for: code)
        }
        return OutboundResponse(status: easy.responseCode(), headers: collector.headers, body: collector.body,
                                durationSeconds: duration)
    }

    // MARK: - Request set-up

    private func configure(_ easy: CurlEasy, _ request: OutboundRequest, headerList: CurlStringList,
                           collector: ResponseCollector) throws(OutboundError) {
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0)
        try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        try easy.set(CURLOPT_TCP_KEEPALIVE, 1)
        try easy.set(CURLOPT_MAXCONNECTS, 2)
        try easy.set(CURLOPT_USERAGENT, userAgent)
        try easy.setTimeouts(connect: request.connectTimeout, total: request.timeout)
        try Self.setMethod(easy, request)
        try easy.set(CURLOPT_HTTPHEADER, list: headerList.head)

        let context = Unmanaged.passUnretained(collector).toOpaque()
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
        try easy.set(CURLOPT_HEADERDATA, pointer: context)
        _ = ccurl_setopt_write_callback(easy.raw) { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            guard let data, length > 0 else { return length }
            // Returning less than `length` makes libcurl abort with CURLE_WRITE_ERROR.
            return collector.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
        }
        _ = ccurl_setopt_header_callback(easy.raw) { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            if let data { collector.appendHeaderLine(UnsafeRawBufferPointer(start: data, count: length)) }
            return length
        }
    }

    private static func setMethod(_ easy: CurlEasy, _ request: OutboundRequest) throws(OutboundError) {
        let method = request.method
        guard !method.isEmpty, method.utf8.allSatisfy(isTokenByte) else {
            throw .other(code: -1, message: "invalid HTTP method")
        }
        let sendsEmptyBody = method == "POST" || method == "PUT" || method == "PATCH"
        guard let body = request.body ?? (sendsEmptyBody ? [] : nil) else {
            switch method {
            case "GET": try easy.set(CURLOPT_HTTPGET, 1)
            case "HEAD": try easy.set(CURLOPT_NOBODY, 1)
            default: try easy.set(CURLOPT_CUSTOMREQUEST, method)
            }
            return
        }
        // COPYPOSTFIELDS copies the bytes, so no Swift buffer has to outlive this call.
        try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: body.count)
        let copied = body.withUnsafeBytes { bytes in
            let empty: CChar = 0
            return withUnsafePointer(to: empty) { fallback in
                ccurl_setopt_pointer(easy.raw, CURLOPT_COPYPOSTFIELDS,
                                     UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(fallback)))
            }
        }
        guard copied == CURLE_OK else { throw .other(code: Int(copied.rawValue), message: "could not copy request body") }
        if method != "POST" { try easy.set(CURLOPT_CUSTOMREQUEST, method) }
    }

    private static func headerList(for request: OutboundRequest) throws(OutboundError) -> CurlStringList {
        let list = CurlStringList()
        var names = Set<String>()
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte),
                  !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                // Never echo the value: it may be a credential.
                throw .other(code: -1, message: "invalid header field \(name.utf8.allSatisfy(isTokenByte) ? name : "name")")
            }
            names.insert(name.lowercased())
            // "Name;" is libcurl's spelling of a header with an empty value ("Name:" would remove it).
            list.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // No "Expect: 100-continue" round trip before bodies, and no default form content type.
        if !names.contains("expect") { list.append("Expect:") }
        if request.body != nil, !names.contains("content-type") { list.append("Content-Type:") }
        return list
    }

    /// RFC 9110 §5.6.2 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// `scheme://host[:port]` in lower case, the key for connection reuse; also the
    /// early check that the URL is an absolute http(s) URL. Error messages never
    /// repeat the URL, which may carry a token in its query.
    static func origin(of url: String) throws(OutboundError) -> String {
        guard !url.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else { throw .invalidURL("URL contains spaces or control characters") }
        guard let separator = url.range(of: "://") else { throw .invalidURL("URL is not absolute") }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw .invalidURL("unsupported scheme \(scheme.prefix(16))") }
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        guard !hostPort.isEmpty, !hostPort.hasPrefix(":") else { throw .invalidURL("URL has no host") }
        return scheme + "://" + hostPort.lowercased()
    }

    // MARK: - Handle pool

    /// Idle handles by origin, most recently used last, with the time they went idle.
    private struct IdleHandles: ~Copyable {
        var byOrigin: [String: [(easy: CurlEasy, since: UInt64)]] = [:]
        var count = 0

        /// Removes handles idle for longer than `maxIdleNanoseconds` and returns them.
        mutating func removeExpired(now: UInt64) -> [CurlEasy] {
            var expired: [CurlEasy] = []
            for (origin, handles) in byOrigin {
                let fresh = handles.filter { now - $0.since <= OutboundHTTPClient.maxIdleNanoseconds }
                guard fresh.count < handles.count else { continue }
                expired += handles.filter { now - $0.since > OutboundHTTPClient.maxIdleNanoseconds }.map(\.easy)
                byOrigin[origin] = fresh.isEmpty ? nil : fresh
            }
            count -= expired.count
            return expired
        }
    }

    /// Handles idle this long are closed rather than reused: their peer has likely
    /// dropped the connection (libcurl's own limit, CURLOPT_MAXAGE_CONN, is 118 s).
    static let maxIdleNanoseconds: UInt64 = 90_000_000_000

    private func checkOut(_ origin: String) throws(OutboundError) -> CurlEasy {
        let now = monotonicNanoseconds()
        let (reused, expired): (CurlEasy?, [CurlEasy]) = idle.withLock { idle in
            let expired = idle.removeExpired(now: now)
            guard var handles = idle.byOrigin[origin], let last = handles.popLast() else { return (nil, expired) }
            idle.byOrigin[origin] = handles.isEmpty ? nil : handles
            idle.count -= 1
            return (last.easy, expired)
        }
        _ = expired  // released here, outside the lock: cleanup closes sockets
        if let reused { return reused }
        return try CurlEasy()
    }

    private func checkIn(_ easy: CurlEasy, origin: String) {
        easy.resetOptions()  // drop pointers to this request's collector and header list
        let now = monotonicNanoseconds()
        let dropped: CurlEasy? = idle.withLock { idle in
            let handles = idle.byOrigin[origin, default: []]
            guard handles.count < Self.maxIdlePerOrigin, idle.count < Self.maxIdleTotal else { return easy }
            idle.byOrigin[origin] = handles + [(easy, now)]
            idle.count += 1
            return nil
        }
        _ = dropped  // released here, outside the lock: cleanup may close a socket
    }

    /// Idle handles currently pooled (for tests and metrics).
    var idleHandleCount: Int { idle.withLock { $0.count } }
}

/// Collects one response: body bytes (bounded) and the header fields of the final response.
private final class ResponseCollector {
    let limit: Int
    var body: [UInt8] = []
    var headers: [(String, String)] = []
    var exceededLimit = false

    init(limit: Int) { self.limit = limit }

    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// libcurl calls this once per header line, status lines included; a new status
    /// line (after `100 Continue`, say) starts a fresh header block.
    func appendHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        headers.append((name, value))
    }
}
