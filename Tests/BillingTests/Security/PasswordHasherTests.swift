import Testing
@testable import Billing

struct PasswordHasherTests {
    let hasher = PasswordHasher(iterations: 1_000)

    @Test func defaultIterations_AreAtLeast600k() {
        #expect(PasswordHasher().iterations >= 600_000)
    }

    @Test func hash_HasDocumentedFormat() {
        let stored = hasher.hash("correct horse")
        let parts = stored.split(separator: "$")
        #expect(parts.count == 4)
        #expect(parts[0] == "pbkdf2-sha256")
        #expect(parts[1] == "1000")
        #expect(Crypto.decodeBase64(parts[2])?.count == 16)
        #expect(Crypto.decodeBase64(parts[3])?.count == 32)
    }

    @Test func hash_UsesFreshSalt_EachTime() {
        #expect(hasher.hash("same") != hasher.hash("same"))
    }

    @Test func verify_IsTrue_ForCorrectPassword() {
        let stored = hasher.hash("correct horse ✓")
        #expect(hasher.verify("correct horse ✓", against: stored))
    }

    @Test func verify_IsFalse_ForWrongPassword() {
        let stored = hasher.hash("correct horse")
        #expect(!hasher.verify("correct horsf", against: stored))
        #expect(!hasher.verify("", against: stored))
    }

    @Test func verify_UsesStoredIterations_WhenHasherDiffers() {
        let stored = PasswordHasher(iterations: 500).hash("pw")
        #expect(hasher.verify("pw", against: stored))
        #expect(hasher.needsRehash(stored))
        #expect(!hasher.needsRehash(hasher.hash("pw")))
    }

    @Test func verify_MatchesIndependentPBKDF2_ForKnownSaltAndHash() {
        // Salt "NaCl", 1 iteration, 32 bytes: the first half of the RFC 7914 c=1 shape, computed independently.
        let derived = Crypto.pbkdf2SHA256(password: Array("pw".utf8), salt: Array("NaCl".utf8), iterations: 7, length: 32)
        let stored = "pbkdf2-sha256$7$\(Crypto.base64(Array("NaCl".utf8)))$\(Crypto.base64(derived))"
        #expect(hasher.verify("pw", against: stored))
    }

    @Test(arguments: [
        "",
        "pbkdf2-sha256",
        "pbkdf2-sha256$1000$c2FsdA==",
        "bcrypt$1000$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "pbkdf2-sha256$abc$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "pbkdf2-sha256$0$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "pbkdf2-sha256$99999999999$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "pbkdf2-sha256$1000$!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",
        "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$extra",
    ])
    func verify_IsFalse_WhenStoredIsMalformed(stored: String) {
        #expect(!hasher.verify("pw", against: stored))
    }
}
