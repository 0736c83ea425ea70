import Foundation
import PropertyTestSupport
import Testing
@testable import Outbound

/// Header values of `renderMIME` read back by Python's `email` package (policy `default`) as an
/// independent parser: the same headers, the subject and the display name as sent, one address.
struct SMTPSenderHeaderTests {
    func render(subject: String, from: String) -> String {
        SMTPSender.renderMIME(EmailMessage(to: ["a@example.com"], subject: subject, textBody: "b"), from: from,
                              date: Date(timeIntervalSince1970: 1_795_629_600), messageID: "<id-1@example.com>")
    }

    /// Issue 20: U+0600 + `<` is one `Character`, so a `Character` search split `Name <a@b>` at the wrong place.
    @Test func mailbox_SplitsOnScalars_WhenTheAngleBracketHidesInAGraphemeCluster() throws {
        let mailbox = Mailbox(" Evil \u{0600}<billing@example.com> ")
        #expect(mailbox.displayName == "Evil \u{0600}" && mailbox.address == "billing@example.com" && mailbox.hasAngleAddress)
        #expect(try SMTPSender.envelopeAddress("x\u{0600}<billing@example.com>") == "billing@example.com")
        #expect(SMTPSender.singleLine("a\r\nb\u{85}c\u{2028}d\0e") == "a  b c d e")
    }

    @Test func displayName_IsAtomsQuotedStringOrEncodedWords() {
        #expect(SMTPSender.encodeMailbox("Billing Team <b@example.com>") == "Billing Team <b@example.com>")
        #expect(SMTPSender.encodeMailbox("\"Billing, Inc.\" <b@example.com>") == "\"Billing, Inc.\" <b@example.com>")
        #expect(SMTPSender.encodeMailbox("Evil\" <x@evil.example>, \"y <b@example.com>") == #""Evil\" <x@evil.example>, \"y" <b@example.com>"#)
        #expect(SMTPSender.encodeMailbox("=?UTF-8?B?QQ==?= <b@example.com>").hasPrefix("=?UTF-8?B?PT9VVEYtOD9CP1FRPT0/PQ==?="))
        #expect(SMTPSender.encodeMailbox(" <b@example.com>") == "<b@example.com>")
        #expect(SMTPSender.encodeMailbox("b@example.com") == "b@example.com")
    }

    @Test func subject_ThatLooksLikeAnEncodedWord_IsEncoded() {
        #expect(SMTPSender.encodeHeaderText("plain") == "plain")
        #expect(SMTPSender.encodeHeaderText("=?UTF-8?B?PHNjcmlwdD4=?=").hasPrefix("=?UTF-8?B?PT9VVEYtOD9C"))
    }

    /// Each hostile string as the subject and as the display name of `From`: Python reads the eight
    /// headers in order, the subject as sent (controls as spaces), and one `From` address with that
    /// name (compared without white space: Python folds runs of it inside a phrase, and puts a
    /// space between adjacent encoded-words there).
    @Test func headers_ParseBackThroughPythonEmail_WithoutNewHeadersOrAddresses() throws {
        let samples = HostileText.samples(count: 400, seed: 20_05)
        let cases = zip(samples, samples.reversed()).map { subject, name in
            [subject, name, render(subject: subject, from: name + " <billing@example.com>")]
        }
        let failures = try Self.oracle.failures(cases)
        #expect(failures.count == 0, "of \(cases.count), e.g.:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    static let oracle = PythonOracle(script: PythonOracle.prelude + #"""
        import re, email.policy
        from email.parser import BytesParser

        HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"]

        def single_line(text):
            return re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text)

        def display_name(text):
            name = single_line(text).strip()
            return name[1:-1] if len(name) >= 2 and name[0] == '"' and name[-1] == '"' else name

        def without_white_space(text):
            return re.sub(r"\s+", "", text)

        for subject, name, mime in cases():
            problems = []
            head = mime.split("\r\n\r\n")[0]
            if "\n" in head.replace("\r\n", "") or "\r" in head.replace("\r\n", ""):
                problems.append("bare CR or LF in the head")
            if any(len(line.encode()) > 998 or any(ord(c) > 126 for c in line) for line in head.split("\r\n")):
                problems.append("a header line over 998 bytes or not ASCII")
            message = BytesParser(policy=email.policy.default).parsebytes(mime.encode("utf-8"))
            if list(message.keys()) != HEADERS:
                problems.append("headers " + ascii(message.keys()))
            elif str(message["Subject"]).strip() != single_line(subject).strip():
                problems.append("subject " + ascii(str(message["Subject"])))
            else:
                senders = message["From"].addresses
                if len(senders) != 1 or senders[0].addr_spec != "billing@example.com" or without_white_space(senders[0].display_name) != without_white_space(display_name(name)):
                    problems.append("from " + ascii([(a.display_name, a.addr_spec) for a in senders]))
                if [a.addr_spec for a in message["To"].addresses] != ["a@example.com"]:
                    problems.append("to " + ascii(str(message["To"])))
            print("ok" if not problems else "fail " + "; ".join(problems)[:400])
        """#)
}
