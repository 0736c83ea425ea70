import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which URLs may receive webhooks (SPEC §8): absolute http/https, no credentials, and — unless
/// `WEBHOOK_ALLOW_PRIVATE=true` — no loopback, private, link-local or otherwise internal address.
///
/// Host names are resolved and every address must be public: checked when the endpoint is created and
/// again before each delivery, so a name that later points inside the network is refused then.
public enum WebhookURLPolicy {
    /// The validated URL, or a validation error naming `field`.
    public static func validate(_ url: String, allowPrivate: Bool, field: String = "url") throws -> String {
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
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if !allowPrivate, let reason = refusal(host: host) { throw refuse(reason) }
        return trimmed
    }

    /// Why `host` is not an acceptable public target, or nil when every address it resolves to is public.
    static func refusal(host: String) -> String? {
        let lower = host.lowercased()
        if lower == "localhost" || lower.hasSuffix(".localhost") {
            return "must not point at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE=true to allow)"
        }
        let addresses = resolve(lower)
        if addresses.isEmpty { return "host could not be resolved" }
        if addresses.contains(where: isInternal) {
            return "must not point at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE=true to allow)"
        }
        return nil
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

    /// Loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified, multicast, reserved or documentation.
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
        if a.allSatisfy({ $0 == 0 }) { return true }                               // ::
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return true }         // ::1
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff {   // ::ffff:a.b.c.d
            return isInternal(Array(a[12..<16]))
        }
        if a[0] & 0xfe == 0xfc { return true }                                      // fc00::/7
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return true }                      // fe80::/10
        if a[0] == 0xff { return true }                                             // multicast
        if a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 { return true } // 2001:db8::/32
        return false
    }
}
