import CCurl
import Foundation
import Support

/// Where and as whom `SMTPSender` sends.
public struct SMTPConfiguration: Sendable {
    /// `smtp://host:port` (STARTTLS when offered) or `smtps://host:port` (implicit TLS),
    /// optionally with percent-encoded `user:password@` credentials.
    public var url: String
    /// The `From` header, `addr@example.com` or `Display Name <addr@example.com>`;
    /// its address is also the envelope sender.
    public var from: String
    /// Seconds for the whole session (connect, greeting, commands, data).
    public var timeout: Double = 30

    public init(url: String, from: String) {
        self.url = url
        self.from = from
    }
}

/// One plain-text e-mail.
public struct EmailMessage: Sendable {
    public var to: [String]
    public var cc: [String]
    public var subject: String
    public var textBody: String

    public init(to: [String], cc: [String] = [], subject: String, textBody: String) {
        self.to = to
        self.cc = cc
        self.subject = subject
        self.textBody = textBody
    }
}

/// Sends e-mail through libcurl's SMTP client, blocking the calling worker thread.
///
/// The credential is taken out of the URL and handed to libcurl as
/// `CURLOPT_USERNAME`/`CURLOPT_PASSWORD`, so it never travels in a URL string
/// that an error message could echo. With credentials on `smtp://` to a
/// non-loopback host, STARTTLS is required (`CURLUSESSL_ALL`) so a password never
/// crosses the network in clear text; otherwise it is used when the server offers it.
public final class SMTPSender: Sendable {
    public let configuration: SMTPConfiguration

    public init(configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    /// Sends `message` to every `to` and `cc` recipient and returns its Message-ID
    /// (with angle brackets, as in the header).
    public func send(_ message: EmailMessage) throws(OutboundError) -> String {
        let endpoint = try SMTPEndpoint(configuration.url)
        let sender = try Self.envelopeAddress(configuration.from)
        guard !message.to.isEmpty else { throw .other(code: -1, message: "message has no recipients") }
        var recipients: [String] = []
        for address in message.to + message.cc { recipients.append(try Self.envelopeAddress(address)) }

        let domain = sender.split(separator: "@").last.map(String.init) ?? "localhost"
        let messageID = "<\(UUIDv7.make())@\(domain)>"
        let payload = PayloadReader(Array(Self.renderMIME(message, from: configuration.from, date: Date(),
                                                          messageID: messageID).utf8))
        let recipientList = CurlStringList(recipients.map { "<\($0)>" })

        let easy = try CurlEasy()
        try easy.set(CURLOPT_URL, endpoint.url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        if let username = endpoint.username { try easy.set(CURLOPT_USERNAME, username) }
        if let password = endpoint.password { try easy.set(CURLOPT_PASSWORD, password) }
        let requireTLS = endpoint.scheme == "smtp" && endpoint.password != nil && !endpoint.isLoopback
        try easy.set(CURLOPT_USE_SSL, Int(requireTLS ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue))
        try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        try easy.setTimeouts(connect: min(10, configuration.timeout), total: configuration.timeout)
        try easy.set(CURLOPT_MAIL_FROM, "<\(sender)>")
        try easy.set(CURLOPT_MAIL_RCPT, list: recipientList.head)
        try easy.set(CURLOPT_UPLOAD, 1)
        try easy.set(CURLOPT_INFILESIZE_LARGE, offset: payload.bytes.count)
        try easy.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(payload).toOpaque())
        _ = ccurl_setopt_read_callback(easy.raw) { buffer, size, count, context in
            let reader = Unmanaged<PayloadReader>.fromOpaque(context!).takeUnretainedValue()
            guard let buffer else { return 0 }
            return reader.read(into: UnsafeMutableRawPointer(buffer), capacity: size * count)
        }
        // libcurl dot-stuffs lines that start with "." and appends the final "." itself.
        let code = withExtendedLifetime((payload, recipientList)) { easy.perform() }
        guard code == CURLE_OK else { throw easy.error(for: code) }
        return messageID
    }

    /// The bare address of `text` (`a@b` from `Name <a@b>`), checked so that it
    /// cannot smuggle SMTP commands or header lines.
    static func envelopeAddress(_ text: String) throws(OutboundError) -> String {
        let address = Mailbox(text).address
        let bytes = Array(address.utf8)
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1,
              !bytes.contains(where: { $0 <= 32 || $0 == 127 || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") })
        else { throw .other(code: -1, message: "invalid e-mail address") }
        return address
    }
}

/// The parts of an SMTP URL libcurl needs, with the credential split off.
struct SMTPEndpoint {
    let scheme: String
    /// The URL without userinfo.
    let url: String
    let username: String?
    let password: String?
    let isLoopback: Bool

    init(_ text: String) throws(OutboundError) {
        guard let separator = text.range(of: "://") else { throw .invalidURL("SMTP URL is not absolute") }
        scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "smtp" || scheme == "smtps" else { throw .invalidURL("SMTP URL must be smtp:// or smtps://") }
        let rest = text[separator.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var hostPort = authority
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            let colon = userinfo.firstIndex(of: ":")
            username = String(userinfo[..<(colon ?? userinfo.endIndex)]).removingPercentEncoding
            password = colon.flatMap { String(userinfo[userinfo.index(after: $0)...]).removingPercentEncoding }
            guard username != nil, colon == nil || password != nil else { throw .invalidURL("SMTP URL has a malformed credential") }
        }
        guard !hostPort.isEmpty, !hostPort.hasPrefix(":") else { throw .invalidURL("SMTP URL has no host") }
        self.username = username
        self.password = password
        url = scheme + "://" + hostPort + rest[authorityEnd...]
        let host = hostPort.hasPrefix("[") ? String(hostPort.prefix { $0 != "]" }.dropFirst())
                                           : String(hostPort.prefix { $0 != ":" })
        isLoopback = host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }
}

/// Hands the rendered message to libcurl's read callback in pieces.
private final class PayloadReader {
    let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}
