import CHaru
import Foundation

/// A libharu error surfaced as a Swift error: `HPDF_*` error number and detail (hpdf_error.h).
public struct PDFError: Error, CustomStringConvertible, Sendable {
    public let code: UInt
    public let detail: UInt
    public let operation: String

    public var description: String {
        "libharu error 0x\(String(code, radix: 16, uppercase: true)) (detail \(detail)) in \(operation)"
    }
}

/// The only file that calls libharu (hpdf.h through `CHaru`). One document, one thread.
///
/// libharu reports failures through an error handler and a status code; it never aborts when a
/// handler is set. The handler records the first error in a box reached through `user_data`, and
/// every method checks that box after its call and throws, so a libharu failure is a Swift error.
final class HaruDocument {
    /// A font handle together with how its text must be encoded (`HPDF_Page_ShowText` takes bytes).
    struct Font {
        fileprivate let handle: HPDF_Font
        /// True for a TrueType font under the "UTF-8" encoder; false for a base-14 font under
        /// WinAnsiEncoding (CP1252), whose text must be transliterated to that code page.
        let unicode: Bool
    }

    struct Page {
        fileprivate let handle: HPDF_Page
        let width: Double
        let height: Double
    }

    private final class ErrorBox {
        var first: (code: UInt, detail: UInt)?
    }

    private let errors = ErrorBox()
    private let doc: HPDF_Doc
    private var utfEncodings = false

    init() throws {
        let box = Unmanaged.passUnretained(errors).toOpaque()
        guard let doc = HPDF_New({ code, detail, userData in
            guard let userData else { return }
            let box = Unmanaged<ErrorBox>.fromOpaque(userData).takeUnretainedValue()
            if box.first == nil { box.first = (UInt(code), UInt(detail)) }
        }, box) else {
            throw PDFError(code: 0, detail: 0, operation: "HPDF_New (out of memory)")
        }
        self.doc = doc
        try check(HPDF_SetCompressionMode(doc, UInt32(HPDF_COMP_ALL)), "HPDF_SetCompressionMode")
    }

    deinit { HPDF_Free(doc) }

    /// Throws the first error the handler recorded, or a non-OK status nobody reported.
    private func check(_ status: HPDF_STATUS, _ operation: String) throws {
        if let e = errors.first {
            errors.first = nil
            HPDF_ResetError(doc)
            throw PDFError(code: e.code, detail: e.detail, operation: operation)
        }
        if status != UInt(HPDF_OK) { throw PDFError(code: UInt(status), detail: 0, operation: operation) }
    }

    private func nonNil<T>(_ value: T?, _ operation: String) throws -> T {
        try check(UInt(HPDF_OK), operation)
        guard let value else { throw PDFError(code: 0, detail: 0, operation: operation + " returned NULL") }
        return value
    }

    func setInfo(title: String, creator: String) throws {
        try check(HPDF_SetInfoAttr(doc, HPDF_INFO_TITLE, title), "HPDF_SetInfoAttr(title)")
        try check(HPDF_SetInfoAttr(doc, HPDF_INFO_CREATOR, creator), "HPDF_SetInfoAttr(creator)")
    }

    /// A TrueType font embedded from `path` under the UTF-8 encoder.
    func trueTypeFont(path: String) throws -> Font {
        // libharu 2.3.0 dereferences NULL on a file that is not a TrueType font instead of
        // reporting an error, so the table directory is checked here first.
        try Self.checkTrueType(path)
        if !utfEncodings {  // registering the UTF-8 encoder twice is HPDF_DUPLICATE_REGISTRATION
            try check(HPDF_UseUTFEncodings(doc), "HPDF_UseUTFEncodings")
            utfEncodings = true
        }
        let name = try nonNil(HPDF_LoadTTFontFromFile(doc, path, HPDF_BOOL(HPDF_TRUE)), "HPDF_LoadTTFontFromFile")
        let font = try nonNil(HPDF_GetFont(doc, name, "UTF-8"), "HPDF_GetFont(UTF-8)")
        return Font(handle: font, unicode: true)
    }

    /// The sfnt header and table directory of a TrueType file: version 1.0 (or `true`), every table
    /// inside the file, and the tables libharu parses present. Throws `HPDF_TTF_INVALID_FOMAT` otherwise.
    static func checkTrueType(_ path: String) throws {
        let invalid = PDFError(code: UInt(HPDF_TTF_INVALID_FOMAT), detail: 0, operation: "TrueType check of \(path)")
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw PDFError(code: UInt(HPDF_FILE_OPEN_ERROR), detail: 0, operation: "open \(path)")
        }
        defer { try? file.close() }
        let size = try file.seekToEnd()
        try file.seek(toOffset: 0)
        let head = [UInt8](try file.read(upToCount: 12) ?? Data())
        func u16(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(b[i]) << 8 | UInt32(b[i + 1]) }
        func u32(_ b: [UInt8], _ i: Int) -> UInt32 { u16(b, i) << 16 | u16(b, i + 2) }
        guard head.count == 12, u32(head, 0) == 0x0001_0000 || u32(head, 0) == 0x7472_7565 else { throw invalid }
        let count = Int(u16(head, 4))
        let directory = [UInt8](try file.read(upToCount: 16 * count) ?? Data())
        guard count > 0, directory.count == 16 * count else { throw invalid }
        var tags = Set<String>()
        for n in 0..<count {
            let entry = Array(directory[(16 * n)..<(16 * n + 16)])
            guard UInt64(u32(entry, 8)) + UInt64(u32(entry, 12)) <= size else { throw invalid }
            tags.insert(String(decoding: entry[0..<4], as: UTF8.self))
        }
        guard tags.isSuperset(of: ["head", "hhea", "maxp", "cmap", "hmtx", "loca", "glyf", "name"]) else { throw invalid }
    }

    /// One of the 14 standard fonts (e.g. `Helvetica`), nothing embedded, CP1252 text.
    func standardFont(_ name: String) throws -> Font {
        Font(handle: try nonNil(HPDF_GetFont(doc, name, "WinAnsiEncoding"), "HPDF_GetFont(\(name))"), unicode: false)
    }

    func addA4Page() throws -> Page {
        let page = try nonNil(HPDF_AddPage(doc), "HPDF_AddPage")
        try check(HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT), "HPDF_Page_SetSize")
        return Page(handle: page, width: Double(HPDF_Page_GetWidth(page)), height: Double(HPDF_Page_GetHeight(page)))
    }

    /// Width in points of already-encoded text (`encoded` holds no NUL byte).
    func width(_ encoded: [UInt8], font: Font, size: Double, on page: Page) throws -> Double {
        try check(HPDF_Page_SetFontAndSize(page.handle, font.handle, HPDF_REAL(size)), "HPDF_Page_SetFontAndSize")
        let w = (encoded + [0]).withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { HPDF_Page_TextWidth(page.handle, $0.baseAddress) }
        }
        try check(UInt(HPDF_OK), "HPDF_Page_TextWidth")
        return Double(w)
    }

    /// Draws already-encoded text with its baseline starting at (x, y).
    func text(_ encoded: [UInt8], x: Double, y: Double, font: Font, size: Double, on page: Page) throws {
        let h = page.handle
        try check(HPDF_Page_BeginText(h), "HPDF_Page_BeginText")
        try check(HPDF_Page_SetFontAndSize(h, font.handle, HPDF_REAL(size)), "HPDF_Page_SetFontAndSize")
        let status = (encoded + [0]).withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { HPDF_Page_TextOut(h, HPDF_REAL(x), HPDF_REAL(y), $0.baseAddress) }
        }
        try check(status, "HPDF_Page_TextOut")
        try check(HPDF_Page_EndText(h), "HPDF_Page_EndText")
    }

    /// A horizontal rule from x0 to x1 at height y.
    func line(x0: Double, x1: Double, y: Double, width: Double, gray: Double, on page: Page) throws {
        let h = page.handle
        try check(HPDF_Page_SetLineWidth(h, HPDF_REAL(width)), "HPDF_Page_SetLineWidth")
        try check(HPDF_Page_SetGrayStroke(h, HPDF_REAL(gray)), "HPDF_Page_SetGrayStroke")
        try check(HPDF_Page_MoveTo(h, HPDF_REAL(x0), HPDF_REAL(y)), "HPDF_Page_MoveTo")
        try check(HPDF_Page_LineTo(h, HPDF_REAL(x1), HPDF_REAL(y)), "HPDF_Page_LineTo")
        try check(HPDF_Page_Stroke(h), "HPDF_Page_Stroke")
    }

    /// The finished file: written to libharu's memory stream, then copied out.
    func bytes() throws -> [UInt8] {
        try check(HPDF_SaveToStream(doc), "HPDF_SaveToStream")
        let size = HPDF_GetStreamSize(doc)
        try check(UInt(HPDF_OK), "HPDF_GetStreamSize")
        guard size > 0 else { throw PDFError(code: 0, detail: 0, operation: "HPDF_SaveToStream wrote nothing") }
        var out = [UInt8](repeating: 0, count: Int(size))
        var read = HPDF_UINT32(size)
        let status = out.withUnsafeMutableBufferPointer { HPDF_ReadFromStream(doc, $0.baseAddress, &read) }
        // Reading the whole stream may also report HPDF_STREAM_EOF (through the handler too):
        // that is success when every byte arrived.
        if (status == UInt(HPDF_STREAM_EOF) || errors.first?.code == UInt(HPDF_STREAM_EOF)) && read == size {
            errors.first = nil
            HPDF_ResetError(doc)
        } else {
            try check(status, "HPDF_ReadFromStream")
        }
        guard read == size else { throw PDFError(code: 0, detail: 0, operation: "HPDF_ReadFromStream read \(read) of \(size) bytes") }
        return out
    }
}
