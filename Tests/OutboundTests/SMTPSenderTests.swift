import Foundation
import LoopbackTestSupport
import Testing
@testable import Outbound

struct SMTPSenderTests {
    @Test func send_DeliversMessage_ToSinkWithEnvelopeAndHeaders() throws {
        let sink = try TestSMTPSink()
        defer { sink.stop() }
        var configuration = SMTPConfiguration(url: sink.url, from: "Cobrança <billing@example.com>")
        configuration.timeout = 5
        let sender = SMTPSender(configuration: configuration)
        let body = "Olá!\nSua fatura INV-2026-000001 de R$ 1.234,56 vence em 30/11.\n.linha com ponto\nObrigado ✓"
        let subject = "Fatura disponível ✓"
        let messageID = try sender.send(EmailMessage(to: ["tenant@example.com"], cc: ["admin@example.com"],
                                                     subject: subject, textBody: body))

        let received = try #require(sink.messages.first)
        #expect(sink.messages.count == 1)
        #expect(received.mailFrom == "billing@example.com")
        #expect(received.recipients == ["tenant@example.com", "admin@example.com"])
        #expect(received.credential == nil)

        let mail = ParsedMail(received.data)
        #expect(ParsedMail.decodeWords(mail.header("From") ?? "") == "Cobrança <billing@example.com>")
        #expect(mail.header("To") == "tenant@example.com")
        #expect(mail.header("Cc") == "admin@example.com")
        #expect(mail.header("Subject")?.hasPrefix("=?UTF-8?B?") == true)
        #expect(ParsedMail.decodeWords(mail.header("Subject") ?? "") == subject)
        #expect(mail.header("Message-ID") == messageID)
        #expect(messageID.hasPrefix("<") && messageID.hasSuffix("@example.com>"))
        #expect(mail.header("Content-Type") == "text/plain; charset=UTF-8")
        #expect(mail.header("MIME-Version") == "1.0")
        let date = try #require(mail.header("Date"))
        #expect(date.hasSuffix(" +0000") && date.count == 31)
        #expect(ParsedMail.decodeQuotedPrintable(mail.rawBody) == body.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    }

    @Test func send_LogsInWithCredentialFromURL() throws {
        let sink = try TestSMTPSink()
        defer { sink.stop() }
        var configuration = SMTPConfiguration(url: "smtp://mailer%40example.com:s3cr%3At@127.0.0.1:\(sink.port)",
                                              from: "billing@example.com")
        configuration.timeout = 5
        _ = try SMTPSender(configuration: configuration).send(EmailMessage(to: ["t@example.com"], subject: "s", textBody: "b"))
        let credential = try #require(sink.messages.first?.credential)
        #expect(credential.0 == "mailer@example.com")
        #expect(credential.1 == "s3cr:t")
    }

    @Test func send_ThrowsConnectFailed_WhenSinkIsDown() throws {
        let port = try TestSocket.unusedPort()
        var configuration = SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", from: "billing@example.com")
        configuration.timeout = 5
        #expect {
            try SMTPSender(configuration: configuration).send(EmailMessage(to: ["t@example.com"], subject: "s", textBody: "b"))
        } throws: { error in
            if case .connectFailed = error as? OutboundError { return true }
            return false
        }
    }

    @Test func send_Throws_WhenNoRecipientsOrBadAddress() throws {
        let sender = SMTPSender(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:1", from: "billing@example.com"))
        #expect(throws: OutboundError.self) { try sender.send(EmailMessage(to: [], subject: "s", textBody: "b")) }
        #expect(throws: OutboundError.self) { try sender.send(EmailMessage(to: ["x@y>\r\nDATA"], subject: "s", textBody: "b")) }
    }

    @Test func send_ThrowsInvalidURL_ForNonSMTPScheme() {
        let sender = SMTPSender(configuration: SMTPConfiguration(url: "http://127.0.0.1:1", from: "billing@example.com"))
        #expect {
            try sender.send(EmailMessage(to: ["t@example.com"], subject: "s", textBody: "b"))
        } throws: { error in
            if case .invalidURL = error as? OutboundError { return true }
            return false
        }
    }
}
