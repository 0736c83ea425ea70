import Testing
@testable import Billing
import Support

struct CryptoTests {
    @Test func sha256_MatchesFIPS180Vector_ForABC() {
        #expect(Hex.encode(Crypto.sha256(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func sha256_MatchesVector_ForEmptyInput() {
        #expect(Crypto.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func sha256_AcceptsNonContiguousCollections() {
        let bytes = Array("abc".utf8)
        #expect(Crypto.sha256(bytes.reversed().reversed()) == Crypto.sha256(bytes))
    }

    @Test func hmacSHA256_MatchesRFC4231_TestCase2() {
        let mac = Crypto.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func hmacSHA256_MatchesRFC4231_TestCase1() {
        let mac = Crypto.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        #expect(Hex.encode(mac) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test func pbkdf2_MatchesRFC7914_Section11_WithOneIteration() {
        let out = Crypto.pbkdf2SHA256(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, length: 64)
        #expect(Hex.encode(out) == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    }

    @Test func pbkdf2_MatchesRFC7914_Section11_With80000Iterations() {
        let out = Crypto.pbkdf2SHA256(password: Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80_000, length: 64)
        #expect(Hex.encode(out) == "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
            + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
    }

    @Test func constantTimeEquals_IsTrue_WhenBytesMatch() {
        #expect(Crypto.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(Crypto.constantTimeEquals([UInt8](), []))
        #expect(Crypto.constantTimeEquals("bsk_abc", "bsk_abc"))
    }

    @Test func constantTimeEquals_IsFalse_WhenContentOrLengthDiffers() {
        #expect(!Crypto.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Crypto.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(!Crypto.constantTimeEquals([1, 2], [1, 2, 3]))
        #expect(!Crypto.constantTimeEquals([], [0]))
        #expect(!Crypto.constantTimeEquals([0], []))
        #expect(!Crypto.constantTimeEquals("abc", "abd"))
    }

    @Test func base64URL_UsesURLSafeAlphabet_WithoutPadding() {
        #expect(Crypto.base64URL([0xfb, 0xff]) == "-_8")
        #expect(Crypto.base64([0xfb, 0xff]) == "+/8=")
    }
}
