import Support

/// Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme").
///
/// The secret is `whsec_` + base64(key); the signature header carries one or more
/// space-separated `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>` entries so a
/// receiver can accept several while a secret rotates.
public enum WebhookSignature {
    static let secretPrefix = "whsec_"

    /// A new endpoint secret (32 random bytes; the spec allows 24 to 64).
    public static func makeSecret() -> String {
        secretPrefix + Crypto.base64(SecureRandom.bytes(32))
    }

    /// The `webhook-signature` header value for one delivery attempt.
    public static func sign(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String {
        "v1," + Crypto.base64(mac(key: key(from: secret), id: id, timestamp: timestamp, body: body))
    }

    /// True when some `v1` entry of `header` matches and `timestamp` lies within
    /// `tolerance` seconds of `now` (either side: clocks drift, replays age).
    public static func verify(secret: String, id: String, timestamp: Int, body: [UInt8], header: String,
                              now: Int, tolerance: Int = 300) -> Bool {
        guard abs(now - timestamp) <= tolerance else { return false }
        let expected = mac(key: key(from: secret), id: id, timestamp: timestamp, body: body)
        var matched = false
        for entry in header.split(separator: " ", omittingEmptySubsequences: true) {
            guard entry.hasPrefix("v1,"), let candidate = Crypto.decodeBase64(entry.dropFirst(3)) else { continue }
            // Check every entry, so timing does not reveal which one matched.
            if Crypto.constantTimeEquals(candidate, expected) { matched = true }
        }
        return matched
    }

    /// The signing key: base64 after the optional `whsec_` prefix, as the reference
    /// libraries decode it; a secret that is not base64 is used as raw bytes.
    static func key(from secret: String) -> [UInt8] {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        return Crypto.decodeBase64(encoded) ?? Array(secret.utf8)
    }

    private static func mac(key: [UInt8], id: String, timestamp: Int, body: [UInt8]) -> [UInt8] {
        Crypto.hmacSHA256(key: key, message: Array("\(id).\(timestamp).".utf8) + body)
    }
}
