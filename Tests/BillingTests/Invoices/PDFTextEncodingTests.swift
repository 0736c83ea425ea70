import PropertyTestSupport
import Testing
@testable import Billing

/// The bytes handed to libharu for invoice text, checked scalar by scalar.
struct PDFTextEncodingTests {
    @Test func cp1252_ComposesMarks_AndTransliteratesTheRest() {
        #expect(PDFTextEncoding.cp1252("Cre\u{0301}ditos") == Array("Cr".utf8) + [0xE9] + Array("ditos".utf8))
        #expect(PDFTextEncoding.cp1252("x\u{0301}") == Array("x".utf8), "a mark with no CP1252 form is dropped, its letter prints")
        #expect(PDFTextEncoding.cp1252("Łódź €") == Array("L".utf8) + [0xF3] + Array("dz ".utf8) + [0x80])
        #expect(PDFTextEncoding.cp1252("🎉") == Array("?".utf8))
    }

    /// U+0600 is a format character: it prints as a space and cannot take the `<` after it along.
    @Test func bothEncodings_KeepMarkupLiteral_AfterAConcatenationMark() {
        #expect(PDFTextEncoding.cp1252("\u{0600}<b>\r\n\0") == Array(" <b> ".utf8), "the line break is the caller's; NUL is a space")
        #expect(PDFTextEncoding.utf8("\u{0600}<b>\r\n\0") == Array(" <b> ".utf8))
    }

    /// No hostile string yields a NUL or another control byte, a byte CP1252 leaves undefined, or
    /// (for the TrueType font) anything but UTF-8 of printable scalars of the Basic Multilingual Plane.
    @Test func encodings_YieldOnlyPrintableText_ForHostileStrings() {
        let undefined: Set<UInt8> = [0x81, 0x8D, 0x8F, 0x90, 0x9D]
        for text in HostileText.samples(count: 400, seed: 20_06) {
            let latin = PDFTextEncoding.cp1252(text)
            #expect(!latin.contains { $0 < 0x20 || $0 == 0x7F || undefined.contains($0) }, "\(HostileText.describe(text))")
            let unicode = PDFTextEncoding.utf8(text)
            let decoded = String(validating: unicode, as: UTF8.self)
            #expect(decoded != nil, "\(HostileText.describe(text))")
            let unprintable = decoded?.unicodeScalars.contains { u in
                let category = u.properties.generalCategory
                return u.value > 0xFFFF || category == .control || category == .format || category == .lineSeparator || category == .paragraphSeparator
            }
            #expect(unprintable == false, "\(HostileText.describe(text))")
        }
    }
}
