import CCrypto
import Foundation
import Support

/// Why a `SecretBox` refused a key or a sealed value.
public enum SecretBoxError: Error, Sendable, Equatable {
    /// The key is not base64 of exactly 32 bytes.
    case invalidKey
    /// The sealed text is not `v1:` + base64 of at least nonce and tag.
    case malformed
    /// Wrong key, wrong associated data, or the ciphertext was altered.
    case authenticationFailed
    /// libcrypto itself failed (allocation); never caused by input.
    case cryptoFailure
}

/// AES-256-GCM sealing for secrets at rest (SPEC §7: payment tokens under `PAYMENT_DATA_KEY`).
///
/// Output is `"v2:" + key id + ":" + base64(12-byte nonce || ciphertext || 16-byte tag)`, sealed under the
/// ring's current key; `open` reads the key id and uses that key of the ring, so values sealed before a
/// rotation keep opening until they are re-sealed. `"v1:" + base64(…)` (before key ids) opens under any key
/// of the ring. The nonce is random per seal; at 96 bits that stays safe far beyond the number of secrets one
/// key will ever protect (NIST SP 800-38D §8.3 bounds it at 2^32 messages).
public struct SecretBox: Sendable {
    private let keys: DataKeys
    /// The HKDF info string of this kind of data, or nil to use the ring's keys as they are.
    private let purpose: String?

    static let legacyVersion = "v1:"
    static let version = "v2:"
    static let nonceLength = 12
    static let tagLength = 16

    /// A box over a live ring (`DataKeys`): rotations apply to it at once. With a `purpose`, each key is
    /// replaced by its HKDF-SHA256 subkey for that purpose, so no AES key ever encrypts two kinds of data.
    public init(keys: DataKeys, purpose: String? = nil) {
        self.keys = keys
        self.purpose = purpose
    }

    /// A box under one key: standard base64 of exactly 32 bytes.
    public init(base64Key: String) throws {
        self.init(keys: DataKeys(DataKeyRing(keys: [try DataKeyRing.key(base64Key)])))
    }

    /// A box under the `purpose` subkey of one key.
    public init(base64Key: String, purpose: String) throws {
        self.init(keys: DataKeys(DataKeyRing(keys: [try DataKeyRing.key(base64Key)])), purpose: purpose)
    }

    /// A fresh random key in the form `init(base64Key:)` accepts (for setup and tests).
    public static func makeKey() -> String { Crypto.base64(SecureRandom.bytes(32)) }

    /// Whether the ring has a key to seal with.
    public var canSeal: Bool { keys.current.current != nil }

    /// The AES key of `key` for this box's purpose.
    func aesKey(_ key: DataKeyRing.Key) -> [UInt8] {
        guard let purpose else { return key.material }
        return Crypto.hkdfSHA256(inputKey: key.material, info: Array(purpose.utf8), length: 32)
    }

    /// Encrypts and authenticates `plaintext` under the current key; `associatedData` (for example the row id)
    /// is authenticated but not stored, so the same bytes must be given to `open`.
    public func seal(_ plaintext: String, associatedData: [UInt8] = []) throws -> String {
        guard let key = keys.current.current else { throw SecretBoxError.invalidKey }
        let sealed = try seal(bytes: Array(plaintext.utf8), nonce: SecureRandom.bytes(Self.nonceLength), associatedData: associatedData,
                              key: aesKey(key))
        return Self.version + key.id + ":" + Crypto.base64(sealed)
    }

    /// Decrypts a value made by `seal` (under any key of the ring); any change to it (or a key the ring does
    /// not hold, or different associated data) throws `SecretBoxError.authenticationFailed`.
    public func open(_ sealed: String, associatedData: [UInt8] = []) throws -> String {
        let ring = keys.current
        let candidates: [DataKeyRing.Key]
        let body: Substring
        if sealed.hasPrefix(Self.version) {
            let rest = sealed.dropFirst(Self.version.count)
            guard let colon = rest.firstIndex(of: ":") else { throw SecretBoxError.malformed }
            body = rest[rest.index(after: colon)...]
            guard let key = ring.key(id: String(rest[..<colon])) else {
                if rest[..<colon].count != 16 { throw SecretBoxError.malformed }
                throw SecretBoxError.authenticationFailed
            }
            candidates = [key]
        } else if sealed.hasPrefix(Self.legacyVersion) {
            body = sealed.dropFirst(Self.legacyVersion.count)
            candidates = ring.keys
        } else {
            throw SecretBoxError.malformed
        }
        guard let raw = Crypto.decodeBase64(body), raw.count >= Self.nonceLength + Self.tagLength else { throw SecretBoxError.malformed }
        for key in candidates {
            guard let plaintext = try? open(bytes: raw, associatedData: associatedData, key: aesKey(key)) else { continue }
            guard let text = String(validating: plaintext, as: UTF8.self) else { throw SecretBoxError.malformed }
            return text
        }
        throw SecretBoxError.authenticationFailed
    }

    /// Whether `sealed` is already under the ring's current key (a rotation skips it).
    public func isUnderCurrentKey(_ sealed: String) -> Bool {
        guard let current = keys.current.current else { return false }
        return sealed.hasPrefix(Self.version + current.id + ":")
    }

    /// `nonce || ciphertext || tag` of `input` under the current key (tests pin the nonce for the NIST vectors).
    func seal(bytes input: [UInt8], nonce: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        guard let key = keys.current.current else { throw SecretBoxError.invalidKey }
        return try seal(bytes: input, nonce: nonce, associatedData: associatedData, key: aesKey(key))
    }

    /// The plaintext of `nonce || ciphertext || tag` under the current key.
    func open(bytes raw: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        guard let key = keys.current.current else { throw SecretBoxError.invalidKey }
        return try open(bytes: raw, associatedData: associatedData, key: aesKey(key))
    }

    /// `nonce || ciphertext || tag` of `input` under `key`.
    func seal(bytes input: [UInt8], nonce: [UInt8], associatedData: [UInt8], key: [UInt8]) throws -> [UInt8] {
        precondition(nonce.count == Self.nonceLength)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw SecretBoxError.cryptoFailure }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: input.count + 16)
        var tag = [UInt8](repeating: 0, count: Self.tagLength)
        var written: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1 else { throw SecretBoxError.cryptoFailure }
        if !associatedData.isEmpty {
            guard EVP_EncryptUpdate(ctx, nil, &written, associatedData, Int32(associatedData.count)) == 1 else {
                throw SecretBoxError.cryptoFailure
            }
        }
        if !input.isEmpty {
            guard EVP_EncryptUpdate(ctx, &out, &written, input, Int32(input.count)) == 1 else { throw SecretBoxError.cryptoFailure }
            total = Int(written)
        }
        let finalOK = out.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx, $0.baseAddress! + total, &written) }
        guard finalOK == 1 else { throw SecretBoxError.cryptoFailure }
        total += Int(written)
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), &tag) == 1 else {
            throw SecretBoxError.cryptoFailure
        }
        return nonce + out.prefix(total) + tag
    }

    /// The plaintext of `nonce || ciphertext || tag` under `key`, once the tag checks out.
    func open(bytes raw: [UInt8], associatedData: [UInt8], key: [UInt8]) throws -> [UInt8] {
        guard raw.count >= Self.nonceLength + Self.tagLength else { throw SecretBoxError.malformed }
        let nonce = Array(raw.prefix(Self.nonceLength))
        let ciphertext = Array(raw[Self.nonceLength..<(raw.count - Self.tagLength)])
        var tag = Array(raw.suffix(Self.tagLength))
        guard let ctx = EVP_CIPHER_CTX_new() else { throw SecretBoxError.cryptoFailure }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written: Int32 = 0
        var total = 0
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1 else { throw SecretBoxError.cryptoFailure }
        if !associatedData.isEmpty {
            guard EVP_DecryptUpdate(ctx, nil, &written, associatedData, Int32(associatedData.count)) == 1 else {
                throw SecretBoxError.cryptoFailure
            }
        }
        if !ciphertext.isEmpty {
            guard EVP_DecryptUpdate(ctx, &out, &written, ciphertext, Int32(ciphertext.count)) == 1 else {
                throw SecretBoxError.authenticationFailed
            }
            total = Int(written)
        }
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), &tag) == 1 else {
            throw SecretBoxError.cryptoFailure
        }
        // The tag is checked here; until this returns 1 the output must not be trusted.
        let finalOK = out.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(ctx, $0.baseAddress! + total, &written) }
        guard finalOK == 1 else { throw SecretBoxError.authenticationFailed }
        total += Int(written)
        return Array(out.prefix(total))
    }
}
