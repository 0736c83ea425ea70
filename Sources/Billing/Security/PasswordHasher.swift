import Foundation
import Support

/// PBKDF2-HMAC-SHA256 password hashes stored as `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`.
///
/// Each hash gets its own 16-byte salt. The iteration count travels with the hash,
/// so raising the default later leaves existing hashes verifiable (SPEC §3 asks
/// for ≥ 600k, the OWASP 2023 figure for PBKDF2-HMAC-SHA256).
public struct PasswordHasher: Sendable {
    /// Iterations used for new hashes.
    public let iterations: Int

    static let scheme = "pbkdf2-sha256"
    static let saltLength = 16
    static let hashLength = 32
    /// Stored hashes above this are refused rather than computed: a forged row
    /// must not be able to pin a CPU for minutes.
    static let maximumIterations = 10_000_000

    public init(iterations: Int = 600_000) {
        precondition(iterations >= 1 && iterations <= PasswordHasher.maximumIterations, "iterations out of range")
        self.iterations = iterations
    }

    /// Hashes `password` under a fresh random salt.
    public func hash(_ password: String) -> String {
        let salt = SecureRandom.bytes(Self.saltLength)
        let derived = Crypto.pbkdf2SHA256(password: Array(password.utf8), salt: salt,
                                          iterations: iterations, length: Self.hashLength)
        return "\(Self.scheme)$\(iterations)$\(Crypto.base64(salt))$\(Crypto.base64(derived))"
    }

    /// True when `password` matches `stored`; a malformed `stored` is simply false.
    public func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme,
              let rounds = Int(parts[1]), rounds >= 1, rounds <= Self.maximumIterations,
              let salt = Crypto.decodeBase64(parts[2]), !salt.isEmpty,
              let expected = Crypto.decodeBase64(parts[3]), expected.count >= 16, expected.count <= 64
        else { return false }
        let derived = Crypto.pbkdf2SHA256(password: Array(password.utf8), salt: salt,
                                          iterations: rounds, length: expected.count)
        return Crypto.constantTimeEquals(derived, expected)
    }

    /// True when `stored` was made with fewer iterations than this hasher uses
    /// (callers rehash on the next successful login).
    public func needsRehash(_ stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme, let rounds = Int(parts[1]) else { return true }
        return rounds < iterations
    }
}
