import Support

/// API keys (SPEC §3): `bsk_` + base64url of 32 random bytes.
///
/// Only the SHA-256 hex of a key is stored, plus its first 12 characters for
/// display; a fast hash is right here because the key itself carries 256 bits of
/// entropy (a slow KDF protects low-entropy passwords, not random tokens).
public enum APIKeyToken {
    /// Marks our keys so secret scanners and humans recognise them.
    public static let keyPrefix = "bsk_"
    /// How many leading characters of a key are kept for display.
    public static let displayPrefixLength = 12

    /// A new key, its stored hash and its display prefix. The key is shown once.
    public static func generate() -> (key: String, hash: String, prefix: String) {
        let key = keyPrefix + Crypto.base64URL(SecureRandom.bytes(32))
        return (key, hash(key), String(key.prefix(displayPrefixLength)))
    }

    /// The stored form of `key` (lower-case SHA-256 hex); compare hashes with
    /// `Crypto.constantTimeEquals`.
    public static func hash(_ key: String) -> String {
        Crypto.sha256Hex(key)
    }
}
