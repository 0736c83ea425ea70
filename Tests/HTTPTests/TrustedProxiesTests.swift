import Testing
@testable import HTTP

/// Which `X-Forwarded-For` entry is the client, and who may say so.
struct TrustedProxiesTests {
    func proxies(_ text: String) throws -> TrustedProxies { try TrustedProxies.parse(text).get() }

    @Test func parse_AcceptsAddressesAndRanges_AndNamesTheBadEntry() throws {
        let p = try proxies(" 127.0.0.1, 10.0.0.0/8 ,::1, fd00::/8, 192.168.1.0/24")
        for trusted in ["127.0.0.1", "10.200.3.4", "::1", "fd12::5", "192.168.1.255", "::ffff:10.1.1.1"] { #expect(p.trusts(trusted), "\(trusted)") }
        for untrusted in ["127.0.0.2", "11.0.0.1", "::2", "fe80::1", "192.168.2.1", "not-an-ip", ""] { #expect(!p.trusts(untrusted), "\(untrusted)") }
        #expect(try proxies("").trusts("127.0.0.1") == false)
        for bad in ["10.0.0.0/33", "nginx", "::1/129", "1.2.3.4/x", "1.2.3.4/8/9"] {
            guard case .failure(let e) = TrustedProxies.parse("127.0.0.1, \(bad)") else { Issue.record("\(bad) accepted"); continue }
            #expect(e.entry == bad)
        }
    }

    @Test func clientAddress_IsThePeer_UnlessThePeerIsATrustedProxy() throws {
        let p = try proxies("127.0.0.1")
        #expect(p.clientAddress(peer: "203.0.113.9", forwardedFor: ["198.51.100.7"]) == "203.0.113.9")
        #expect(TrustedProxies.none.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.7"]) == "127.0.0.1")
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.7"]) == "198.51.100.7")
    }

    @Test func clientAddress_IsTheRightmostUntrustedHop_SoAClientCannotSpoofPastTheProxy() throws {
        let p = try proxies("127.0.0.1, 10.0.0.0/8")
        // The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the real address.
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.2.3.4, 198.51.100.7"]) == "198.51.100.7")
        // Two trusted hops (a load balancer, then nginx), across two header lines.
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.7, 10.1.2.3", "10.9.9.9"]) == "198.51.100.7")
        // Every hop trusted: the leftmost is the best we know.
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: ["10.0.0.5, 10.0.0.6"]) == "10.0.0.5")
        // A malformed hop stops the walk at the last address a trusted proxy wrote.
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: ["198.51.100.7, garbage, 10.0.0.6"]) == "10.0.0.6")
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: ["unknown"]) == "127.0.0.1")
        // Spelled canonically, so the login limiter counts one client once.
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: ["2001:DB8:0:0::1"]) == "2001:db8::1")
        #expect(p.clientAddress(peer: "127.0.0.1", forwardedFor: ["::ffff:198.51.100.7"]) == "198.51.100.7")
    }
}
