import Foundation
import Testing
@testable import Outbound

struct SMTPSenderMIMETests {
    let date = Date(timeIntervalSince1970: 1_795_629_600)  // 2026-11-25T18:00:00Z, a Wednesday

    func render(_ message: EmailMessage, from: String = "Billing <billing@example.com>") -> String {
        SMTPSender.renderMIME(message, from: from, date: date, messageID: "<id-1@example.com>")
    }

    @Test func renderMIME_WritesAllHeaders_ForASCIIMessage() {
        let text = render(EmailMessage(to: ["a@example.com", "b@example.com"], cc: ["c@example.com"],
                                       subject: "Invoice INV-2026-000001", textBody: "Hello"))
        let mail = ParsedMail(text)
        #expect(mail.header("From") == "Billing <billing@example.com>")
        #expect(mail.header("To") == "a@example.com, b@example.com")
        #expect(mail.header("Cc") == "c@example.com")
        #expect(mail.header("Subject") == "Invoice INV-2026-000001")
        #expect(mail.header("Date") == "Wed, 25 Nov 2026 18:00:00 +0000")
        #expect(mail.header("Message-ID") == "<id-1@example.com>")
        #expect(mail.header("MIME-Version") == "1.0")
        #expect(mail.header("Content-Type") == "text/plain; charset=UTF-8")
        #expect(mail.header("Content-Transfer-Encoding") == "quoted-printable")
        #expect(mail.rawBody == "Hello\r\n")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test func renderMIME_OmitsCc_WhenEmpty() {
        #expect(ParsedMail(render(EmailMessage(to: ["a@example.com"], subject: "s", textBody: "b"))).header("Cc") == nil)
    }

    @Test func renderMIME_EncodesNonASCIISubject_AsShortEncodedWords() {
        let subject = "Fatura disponível — pagamento até 30/11 ✓ " + String(repeating: "ação ", count: 12)
        let text = render(EmailMessage(to: ["a@example.com"], subject: subject, textBody: "x"))
        let raw = ParsedMail(text).header("Subject") ?? ""
        #expect(raw.hasPrefix("=?UTF-8?B?"))
        #expect(ParsedMail.decodeWords(raw) == subject)
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    @Test func renderMIME_EncodesNonASCIIDisplayName() {
        let mail = ParsedMail(render(EmailMessage(to: ["a@example.com"], subject: "s", textBody: "b"),
                                     from: "Cobrança <billing@example.com>"))
        let from = mail.header("From") ?? ""
        #expect(from.hasSuffix(" <billing@example.com>"))
        #expect(ParsedMail.decodeWords(from) == "Cobrança <billing@example.com>")
    }

    @Test func renderMIME_NeutralisesHeaderInjection() {
        let text = render(EmailMessage(to: ["a@example.com\r\nBcc: evil@example.com"], subject: "hi\r\nBcc: evil@example.com",
                                       textBody: "b"))
        let mail = ParsedMail(text)
        #expect(mail.header("Bcc") == nil)
        #expect(mail.headers.count == 8)  // From, To, Subject, Date, Message-ID, MIME-Version, Content-Type, -Transfer-Encoding
    }

    @Test func quotedPrintable_RoundTripsUTF8_LongLines_AndSpecialBytes() {
        let body = "Olá, você tem uma fatura de R$ 1.234,56 = valor.\n"
            + String(repeating: "longa linha sem quebras ", count: 20) + "\n"
            + "trailing space   \n\tindented\r\n.dot line\n\nend ✓"
        let encoded = SMTPSender.quotedPrintable(body)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") && !$0.hasSuffix("\t") })
        #expect(encoded.utf8.allSatisfy { $0 < 128 })
        #expect(ParsedMail.decodeQuotedPrintable(encoded) == body.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    }

    @Test func quotedPrintable_EncodesEqualsAndNonASCII() {
        #expect(SMTPSender.quotedPrintable("a=b é") == "a=3Db =C3=A9\r\n")
    }

    @Test func rfc5322Date_PadsDayAndUsesUTC() {
        #expect(SMTPSender.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(SMTPSender.rfc5322Date(Date(timeIntervalSince1970: 1_772_323_199.9)) == "Sat, 28 Feb 2026 23:59:59 +0000")
    }

    @Test func envelopeAddress_ExtractsAngleAddress_AndRejectsInjection() throws {
        #expect(try SMTPSender.envelopeAddress("Billing Team <billing@example.com>") == "billing@example.com")
        #expect(try SMTPSender.envelopeAddress(" ops@example.com ") == "ops@example.com")
        for bad in ["", "no-at-sign", "@example.com", "a@", "a@b>\r\nRCPT TO:<x@y", "a b@example.com"] {
            #expect(throws: OutboundError.self) { try SMTPSender.envelopeAddress(bad) }
        }
    }

    @Test func smtpEndpoint_SplitsCredentialOffTheURL() throws {
        let endpoint = try SMTPEndpoint("smtps://user%40example.com:p%40ss%3Aword@mail.example.com:465")
        #expect(endpoint.url == "smtps://mail.example.com:465")
        #expect(endpoint.username == "user@example.com")
        #expect(endpoint.password == "p@ss:word")
        #expect(!endpoint.isLoopback)
        let plain = try SMTPEndpoint("smtp://127.0.0.1:2525")
        #expect(plain.username == nil && plain.password == nil && plain.isLoopback)
        #expect(throws: OutboundError.self) { try SMTPEndpoint("http://mail.example.com") }
        #expect(throws: OutboundError.self) { try SMTPEndpoint("mail.example.com:25") }
    }
}
