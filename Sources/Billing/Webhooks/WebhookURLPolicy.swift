import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which URLs may receive webhooks (SPEC §8): absolute http/https, no credentials, a port in 1–65535, and —
/// unless `WEBHOOK_ALLOW_PRIVATE=true` — no loopback, private, link-local or otherwise internal address,
/// also not one embedded in an IPv6 address (mapped, translated, IPv4-compatible, NAT64, 6to4, Teredo).
///
/// Host names are resolved and every address must be public: checked when the endpoint is created and
/// again before each delivery. The delivery then connects only to the addresses that check saw
/// (`Target.addresses`, pinned by the transport), so a name that answers differently a moment later
/// (DNS rebinding) cannot move the connection inside the network.
public enum WebhookURLPolicy {
    /// Resolves a host name to raw addresses: 4 bytes for IPv4, 16 for IPv6. The production resolver is
    /// getaddrinfo(3) (`systemResolver`); tests pass their own.
    public typealias Resolver = @Sendable (String) -> [[UInt8]]

    public static let systemResolver: Resolver = { resolve($0) }

    /// A URL that passed the policy, with the addresses the check resolved.
    public struct Target: Sendable, Equatable {
        /// The URL as validated (trimmed).
        public let url: String
        /// The host as the check saw it: lower case, IPv6 brackets and a trailing dot removed.
        public let host: String
        /// The port of the URL, or the scheme's default.
        public let port: Int
        /// Numeric addresses (`93.184.215.14`, `2606:4700::1111`) the connection must use. Empty only when
        /// `WEBHOOK_ALLOW_PRIVATE=true` and the name did not resolve here: then nothing was checked either.
        public let addresses: [String]
    }

    static let internalReason = "must not point at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE=true to allow)"

    /// The validated URL, or a validation error naming `field` (endpoint creation: nothing is pinned yet).
    public static func validate(_ url: String, allowPrivate: Bool, field: String = "url",
                                resolver: Resolver = systemResolver) throws -> String {
        try check(url, allowPrivate: allowPrivate, field: field, resolver: resolver, requireResolution: !allowPrivate).url
    }

    /// Checks `url` and resolves its host once; the delivery must connect only to `Target.addresses`.
    public static func target(_ url: String, allowPrivate: Bool, field: String = "url",
                              resolver: Resolver = systemResolver) throws -> Target {
        try check(url, allowPrivate: allowPrivate, field: field, resolver: resolver, requireResolution: !allowPrivate)
    }

    static func check(_ url: String, allowPrivate: Bool, field: String, resolver: Resolver, requireResolution: Bool) throws -> Target {
        func refuse(_ reason: String) -> BillingError { .validation(field: field, reason: reason) }
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count <= 2000 else { throw refuse("must be at most 2000 characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw refuse("must not contain spaces or control characters")
        }
        guard let parts = URLComponents(string: trimmed), let scheme = parts.scheme?.lowercased() else {
            throw refuse("must be an absolute http or https URL")
        }
        guard scheme == "http" || scheme == "https" else { throw refuse("must use http or https") }
        guard parts.user == nil, parts.password == nil else { throw refuse("must not contain credentials") }
        guard parts.fragment == nil else { throw refuse("must not contain a fragment") }
        guard var host = parts.host, !host.isEmpty else { throw refuse("must name a host") }
        if let port = parts.port, !(1...65535).contains(port) { throw refuse("must have a port between 1 and 65535") }
        if parts.port == nil, Self.hasExplicitPort(trimmed) { throw refuse("must have a port between 1 and 65535") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        host = host.lowercased()
        if host.hasSuffix("."), !host.hasSuffix("..") { host.removeLast() }  // `localhost.` is localhost
        guard !host.isEmpty else { throw refuse("must name a host") }
        let port = parts.port ?? (scheme == "https" ? 443 : 80)

        if !allowPrivate, host == "localhost" || host.hasSuffix(".localhost") { throw refuse(internalReason) }
        let resolved = numericAddress(host).map { [$0] } ?? resolver(host)
        if resolved.isEmpty, requireResolution { throw refuse("host could not be resolved") }
        if !allowPrivate, resolved.contains(where: isInternal) { throw refuse(internalReason) }
        var addresses: [String] = []
        for a in resolved {
            if let text = format(a), !addresses.contains(text) { addresses.append(text) }
        }
        return Target(url: trimmed, host: host, port: port, addresses: addresses)
    }

    /// Whether the authority of `url` carries a non-empty port: URLComponents gives nil for one that overflows
    /// (`:99999999999999999999`), which curl would refuse or, worse, read differently.
    static func hasExplicitPort(_ url: String) -> Bool {
        guard let separator = url.range(of: "://") else { return false }
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        let afterHost = hostPort.hasPrefix("[") ? hostPort.drop { $0 != "]" }.dropFirst() : hostPort.drop { $0 != ":" }
        return afterHost.hasPrefix(":") && afterHost.count > 1
    }

    /// The raw bytes of a numeric IPv4 (dotted quad) or IPv6 address, nil for anything else.
    static func numericAddress(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// The text form of 4 or 16 raw bytes (`inet_ntop`).
    static func format(_ a: [UInt8]) -> String? {
        let family = a.count == 4 ? AF_INET : a.count == 16 ? AF_INET6 : -1
        guard family != -1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = a.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    /// The raw addresses of `host`: 4 bytes for IPv4, 16 for IPv6 (numeric forms such as `2130706433`
    /// are resolved the way libcurl's resolver would).
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sa = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    var a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    out.append(withUnsafeBytes(of: &a) { Array($0) })
                } else if info.pointee.ai_family == AF_INET6 {
                    var a = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    out.append(withUnsafeBytes(of: &a) { Array($0) })
                }
            }
            cursor = info.pointee.ai_next
        }
        return out
    }

    /// Loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified, multicast, reserved or documentation;
    /// for IPv6 also every form that carries an IPv4 address which is one of those.
    static func isInternal(_ a: [UInt8]) -> Bool {
        if a.count == 4 {
            switch (a[0], a[1]) {
            case (0, _), (10, _), (127, _), (169, 254), (192, 168): return true
            case (172, 16...31), (100, 64...127), (198, 18...19): return true
            case (192, 0) where a[2] == 0 || a[2] == 2: return true
            case (198, 51) where a[2] == 100, (203, 0) where a[2] == 113: return true
            default: return a[0] >= 224
            }
        }
        guard a.count == 16 else { return true }
        func zero(_ r: Range<Int>) -> Bool { a[r].allSatisfy { $0 == 0 } }
        func embedded(_ at: Int) -> [UInt8] { Array(a[at..<(at + 4)]) }
        if zero(0..<12) { return true }                                            // ::, ::1, ::a.b.c.d (IPv4-compatible, deprecated)
        if zero(0..<10) && a[10] == 0xff && a[11] == 0xff {                       // ::ffff:a.b.c.d (mapped)
            return isInternal(embedded(12))
        }
        if zero(0..<8) && a[8] == 0xff && a[9] == 0xff && zero(10..<12) {         // ::ffff:0:a.b.c.d (translated, RFC 2765)
            return isInternal(embedded(12))
        }
        if a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b {          // 64:ff9b::/96 NAT64, 64:ff9b:1::/48 local NAT64
            return zero(4..<12) ? isInternal(embedded(12)) : true
        }
        if a[0] == 0x20 && a[1] == 0x02 { return isInternal(embedded(2)) }         // 2002::/16 6to4
        if a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0 {                // 2001::/32 Teredo: server, then client XOR ff
            return isInternal(embedded(4)) || isInternal(embedded(12).map { ~$0 })
        }
        if a[0] == 0x01 && zero(1..<8) { return true }                              // 100::/64 discard-only
        if a[0] & 0xfe == 0xfc { return true }                                      // fc00::/7
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return true }                      // fe80::/10
        if a[0] == 0xfe && a[1] & 0xc0 == 0xc0 { return true }                      // fec0::/10 site-local (deprecated)
        if a[0] == 0xff { return true }                                             // multicast
        if a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 { return true } // 2001:db8::/32
        return false
    }
}
