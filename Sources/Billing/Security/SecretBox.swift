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
/// Output is `"v1:" + base64(12-byte nonce || ciphertext || 16-byte tag)`. The nonce is
/// random per seal; at 96 bits that stays safe far beyond the number of tokens one
/// key will ever protect (NIST SP 800-38D §8.3 bounds it at 2^32 messages). The
/// `v1:` prefix leaves room to rotate algorithm or key later.
public struct SecretBox: Sendable {
    private let key: [UInt8]

    static let version = "v1:"
    static let nonceLength = 12
    static let tagLength = 16

    /// Accepts standard base64 of exactly 32 bytes.
    public init(base64Key: String) throws {
        guard let key = Crypto.decodeBase64(base64Key.trimmingCharacters(in: .whitespacesAndNewlines)),
              key.count == 32 else { throw SecretBoxError.invalidKey }
        self.key = key
    }

    /// A box under a subkey of `base64Key` reserved for `purpose`: HKDF-SHA256 with `purpose` as
    /// the info string. Each kind of data sealed under one configured key gets its own purpose,
    /// so no AES key ever encrypts two kinds of data.
    public init(base64Key: String, purpose: String) throws {
        let master = try SecretBox(base64Key: base64Key)
        key = Crypto.hkdfSHA256(inputKey: master.key, info: Array(purpose.utf8), length: 32)
    }

    /// A fresh random key in the form `init(base64Key:)` accepts (for setup and tests).
    public static func makeKey() -> String { Crypto.base64(SecureRandom.bytes(32)) }

    /// Encrypts and authenticates `plaintext`; `associatedData` (for example the row id)
    /// is authenticated but not stored, so the same bytes must be given to `open`.
    public func seal(_ plaintext: String, associatedData: [UInt8] = []) throws -> String {
        let sealed = try seal(bytes: Array(plaintext.utf8), nonce: SecureRandom.bytes(Self.nonceLength),
                              associatedData: associatedData)
        return Self.version + Crypto.base64(sealed)
    }

    /// Decrypts a value made by `seal`; any change to it (or a different key or
    /// associated data) throws `SecretBoxError.authenticationFailed`.
    public func open(_ sealed: String, associatedData: [UInt8] = []) throws -> String {
        guard sealed.hasPrefix(Self.version),
              let raw = Crypto.decodeBase64(sealed.dropFirst(Self.version.count)) else { throw SecretBoxError.malformed }
        let plaintext = try open(bytes: raw, associatedData: associatedData)
        guard let text = String(validating: plaintext, as: UTF8.self) else { throw SecretBoxError.malformed }
        return text
    }

    /// `nonce || ciphertext || tag` of `input` (internal so tests can pin the nonce
    /// and check the NIST vectors).
    func seal(bytes input: [UInt8], nonce: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
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

    /// The plaintext of `nonce || ciphertext || tag`, once the tag checks out.
    func open(bytes raw: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
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
