import Foundation

/// The reverse proxies whose `X-Forwarded-For` is believed, and how the client's address is found.
///
/// Behind nginx every connection comes from the proxy, so without this the login rate limit and the
/// audit trail would see one address for everybody. Only a peer in this list may name the client, and
/// the client is the rightmost `X-Forwarded-For` entry that is not itself a trusted proxy (what
/// nginx's `real_ip_recursive on` does): a client can prepend anything it likes, but it cannot get
/// past the entry the first trusted proxy appended.
public struct TrustedProxies: Sendable, Equatable {
    /// An address range: the network bytes (4 or 16) and the prefix length.
    struct Range: Sendable, Equatable {
        let network: [UInt8]
        let prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == network.count else { return false }
            var bits = prefixLength
            for i in 0..<address.count where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
                if address[i] & mask != network[i] & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    let ranges: [Range]

    /// Trusts nobody: the peer address is the client.
    public static let none = TrustedProxies(ranges: [])

    init(ranges: [Range]) { self.ranges = ranges }

    /// Parses a comma-separated list of IPv4/IPv6 addresses and CIDR ranges
    /// (`127.0.0.1, 10.0.0.0/8, ::1, fd00::/8`); the failure names the first bad entry.
    public static func parse(_ text: String) -> Result<TrustedProxies, ParseError> {
        var ranges: [Range] = []
        for raw in text.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { continue }
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let address = Self.addressBytes(String(parts[0])) else {
                return .failure(ParseError(entry: entry))
            }
            let maxPrefix = address.count * 8
            var prefix = maxPrefix
            if parts.count == 2 {
                guard let p = Int(parts[1]), (0...maxPrefix).contains(p) else { return .failure(ParseError(entry: entry)) }
                prefix = p
            }
            ranges.append(Range(network: address, prefixLength: prefix))
        }
        return .success(TrustedProxies(ranges: ranges))
    }

    /// An entry of the list that is not an address or range.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let entry: String
        public var description: String { "'\(entry)' is not an IPv4/IPv6 address or CIDR range" }
    }

    /// Whether `address` (textual) lies in a trusted range.
    public func trusts(_ address: String) -> Bool {
        guard !ranges.isEmpty, let bytes = Self.addressBytes(address) else { return false }
        return ranges.contains { $0.contains(bytes) }
    }

    /// The client's address for a request that arrived from `peer` with these `X-Forwarded-For` values.
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard trusts(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for hop in hops.reversed() {
            // A malformed entry was not written by a proxy we trust: stop at the last good one.
            guard let bytes = Self.addressBytes(hop) else { break }
            client = Self.canonical(bytes) ?? hop
            if !ranges.contains(where: { $0.contains(bytes) }) { break }
        }
        return client
    }

    /// The 4 or 16 bytes of a textual IPv4/IPv6 address (IPv4-mapped IPv6 is reduced to IPv4).
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff { return Array(bytes[12...]) }
        return bytes
    }

    /// The standard text of an address, so the same client is always spelled the same way.
    static func canonical(_ bytes: [UInt8]) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return ok ? String(cString: buffer) : nil
    }
}
