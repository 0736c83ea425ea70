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
        let pins = try PinnedAddresses(request.pinnedAddresses)
        // A pooled handle keeps its connections: one pinned to other addresses must not be reused.
        let origin = try Self.origin(of: request.url) + (pins.map { " pinned " + $0.key } ?? "")
        let easy = try checkOut(origin)
        defer { checkIn(easy, origin: origin) }

        let headerList = try Self.headerList(for: request)
        let collector = ResponseCollector(limit: request.maxResponseBytes)
        try configure(easy, request, headerList: headerList, collector: collector)
        var resolveList: CurlStringList?
        if let pins { resolveList = try pin(easy, request.url, to: pins) }

        let start = monotonicNanoseconds()
        let code = withExtendedLifetime((collector, headerList, pins, resolveList)) { easy.perform() }
        let duration = Double(monotonicNanoseconds() - start) / 1e9
        guard code == CURLE_OK else {
            if collector.exceededLimit {
                throw .other(code: Int(code.rawValue), message: "response body exceeds \(request.maxResponseBytes) bytes")
            }
            if let pins, code == CURLE_COULDNT_CONNECT, easy.primaryIP().map(pins.contains) == false {
                throw .connectFailed("refused to connect to an address other than the pinned ones")
            }
            throw easy.error(for: code)
        }
        if let pins {
            // Belt and braces: the socket callback already refused every other address.
            guard let connected = easy.primaryIP(), pins.contains(connected) else {
                throw .connectFailed("the connection went to an address other than the pinned ones")
            }
        }
        return OutboundResponse(status: easy.responseCode(), headers: collector.headers, body: collector.body,
                                durationSeconds: duration)
    }

    /// Resolves the URL's host to the pinned addresses only and refuses sockets to any other; no proxy.
    /// Returns the `CURLOPT_RESOLVE` list, which must live until the transfer is done.
    private func pin(_ easy: CurlEasy, _ url: String, to pins: PinnedAddresses) throws(OutboundError) -> CurlStringList {
        try easy.set(CURLOPT_PROXY, "")  // an empty string disables proxies, also those from the environment
        guard ccurl_setopt_pinned_opensocket(easy.raw, pins.raw) == CURLE_OK else {
            throw .other(code: -1, message: "could not set the socket callback")
        }
        let list = CurlStringList()
        // The host and port exactly as libcurl parses the URL; a numeric host is not resolved at all.
        if let (host, port) = Self.curlHostAndPort(url), PinnedAddresses.bytes(of: host) == nil {
            list.append("\(host):\(port):" + pins.texts.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ","))
            try easy.set(CURLOPT_RESOLVE, list: list.head)
        }
        return list
    }

    /// libcurl's own reading of `url`'s host (brackets removed) and port (the scheme's default when absent).
    static func curlHostAndPort(_ url: String) -> (String, Int)? {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else { return nil }
        var host: UnsafeMutablePointer<CChar>?
        var port: UnsafeMutablePointer<CChar>?
        defer {
            curl_free(host)
            curl_free(port)
        }
        guard curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK, let host,
              curl_url_get(handle, CURLUPART_PORT, &port, UInt32(CURLU_DEFAULT_PORT)) == CURLUE_OK, let port,
              let number = Int(String(cString: port)) else { return nil }
        var name = String(cString: host)
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        return (name, number)
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

/// The addresses a pinned request may connect to, in the C layout the socket callback reads.
private final class PinnedAddresses {
    let raw: UnsafeMutablePointer<ccurl_pinned_addresses>
    /// The addresses as `inet_ntop` writes them, in the order given.
    let texts: [String]
    private let bytes: [[UInt8]]

    /// nil for no pins; throws for an address that is not numeric, or more than `CCURL_MAX_PINNED`.
    convenience init?(_ addresses: [String]) throws(OutboundError) {
        guard !addresses.isEmpty else { return nil }
        guard addresses.count <= Int(CCURL_MAX_PINNED) else { throw .invalidURL("at most \(CCURL_MAX_PINNED) pinned addresses") }
        var parsed: [[UInt8]] = []
        for address in addresses {
            guard let b = Self.bytes(of: address) else { throw .invalidURL("a pinned address is not a numeric IP address") }
            if !parsed.contains(b) { parsed.append(b) }
        }
        self.init(parsed)
    }

    private init(_ parsed: [[UInt8]]) {
        bytes = parsed
        texts = parsed.map(Self.text)
        raw = .allocate(capacity: 1)
        raw.initialize(to: ccurl_pinned_addresses())
        for b in parsed { _ = b.withUnsafeBufferPointer { ccurl_pins_add(raw, $0.baseAddress, Int32($0.count)) } }
    }

    deinit { raw.deallocate() }

    /// Identifies the set, for the handle pool.
    var key: String { texts.sorted().joined(separator: ",") }

    /// Whether `address` (text, as `CURLINFO_PRIMARY_IP` gives it) is one of the pinned ones.
    func contains(_ address: String) -> Bool { Self.bytes(of: address).map(bytes.contains) ?? false }

    /// 4 or 16 raw bytes of a numeric IPv4 or IPv6 address, nil for anything else.
    static func bytes(of address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func text(_ b: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = b.withUnsafeBytes { inet_ntop(b.count == 4 ? AF_INET : AF_INET6, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
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
