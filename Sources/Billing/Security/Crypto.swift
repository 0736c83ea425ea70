import CCrypto
import Foundation
import Support

/// Hashes, MACs, key derivation and constant-time comparison, all from libcrypto.
///
/// Every call here is a one-shot over in-memory bytes; nothing is cached between
/// calls, so the type is safe to use from any thread.
public enum Crypto {
    /// SHA-256 of `data` (32 bytes).
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        let digest = data.withContiguousStorageIfAvailable { sha256(buffer: $0) }
        return digest ?? Array(data).withUnsafeBufferPointer { sha256(buffer: $0) }
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String {
        Hex.encode(sha256(Array(text.utf8)))
    }

    /// HMAC-SHA256 of `message` under `key` (32 bytes).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // An empty array may have no base address; libcrypto wants a pointer even for zero bytes.
        let keyBytes = key.isEmpty ? [0] : key
        let messageBytes = message.isEmpty ? [0] : message
        let result = keyBytes.withUnsafeBufferPointer { k in
            messageBytes.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(key.count), m.baseAddress, message.count, &out, &length)
            }
        }
        precondition(result != nil && length == 32, "HMAC-SHA256 failed")  // only fails on allocation failure
        return Array(out.prefix(Int(length)))
    }

    /// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) of `password` and `salt`, `length` bytes long.
    public static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8] {
        precondition(iterations >= 1 && iterations <= Int(Int32.max), "PBKDF2 iterations out of range")
        precondition(length >= 1 && length <= 1024, "PBKDF2 output length out of range")
        var out = [UInt8](repeating: 0, count: length)
        let passwordBytes = password.isEmpty ? [0] : password
        let saltBytes = salt.isEmpty ? [0] : salt
        let result = passwordBytes.withUnsafeBufferPointer { p in
            saltBytes.withUnsafeBufferPointer { s in
                p.withMemoryRebound(to: CChar.self) { pc in
                    PKCS5_PBKDF2_HMAC(pc.baseAddress, Int32(password.count), s.baseAddress, Int32(salt.count),
                                      Int32(iterations), EVP_sha256(), Int32(length), &out)
                }
            }
        }
        precondition(result == 1, "PBKDF2-HMAC-SHA256 failed")
        return out
    }

    /// HKDF-SHA256 (RFC 5869): `length` bytes derived from `inputKey`, separated by `info`.
    ///
    /// An empty `salt` stands for 32 zero bytes, as the RFC specifies; with a uniformly random
    /// input key (such as `PAYMENT_DATA_KEY`) no salt is needed.
    public static func hkdfSHA256(inputKey: [UInt8], salt: [UInt8] = [], info: [UInt8], length: Int) -> [UInt8] {
        precondition(length >= 1 && length <= 255 * 32, "HKDF output length out of range")
        let pseudorandomKey = hmacSHA256(key: salt.isEmpty ? [UInt8](repeating: 0, count: 32) : salt, message: inputKey)
        var output: [UInt8] = []
        var block: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < length {
            block = hmacSHA256(key: pseudorandomKey, message: block + info + [counter])
            output += block
            counter &+= 1
        }
        return Array(output.prefix(length))
    }

    /// True when `a` and `b` hold the same bytes, in time that depends only on the lengths.
    ///
    /// Different lengths answer false after still comparing `a` with itself, so the
    /// content of `b` never decides how long the call takes.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard !a.isEmpty else { return b.isEmpty }
        let sameLength = a.count == b.count
        let other = sameLength ? b : a
        let differs = a.withUnsafeBytes { pa in
            other.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) }
        }
        return sameLength && differs == 0
    }

    /// Constant-time comparison of the UTF-8 bytes of two strings.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    private static func sha256(buffer: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let empty: UInt8 = 0
        let ok = withUnsafePointer(to: empty) { fallback in
            EVP_Digest(UnsafeRawPointer(buffer.baseAddress ?? fallback), buffer.count, &out, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1 && length == 32, "SHA-256 failed")
        return out
    }
}

// MARK: - Encodings shared by the security types

extension Crypto {
    /// Standard base64 with padding (RFC 4648 §4).
    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes standard base64 (padding required); nil when malformed.
    static func decodeBase64(_ text: some StringProtocol) -> [UInt8]? {
        guard let data = Data(base64Encoded: String(text)) else { return nil }
        return [UInt8](data)
    }

    /// URL-safe base64 without padding (RFC 4648 §5), for tokens that travel in headers and URLs.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = base64(bytes)
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
