import Billing
import Outbound
import Storage
import Support

/// E-mail through libcurl's SMTP (`Outbound.SMTPSender`).
struct SMTPEmailTransport: EmailTransport {
    let sender: SMTPSender

    func send(to: [String], cc: [String], subject: String, body: String) throws {
        _ = try sender.send(EmailMessage(to: to, cc: cc, subject: subject, textBody: body))
    }
}

/// Webhook POSTs through libcurl (`Outbound.OutboundHTTPClient`): no redirects, TLS verified, and only to
/// the addresses the URL policy checked (`OutboundRequest.pinnedAddresses`).
struct HTTPWebhookTransport: WebhookTransport {
    let client: OutboundHTTPClient

    func post(_ target: WebhookURLPolicy.Target, headers: [(String, String)], body: [UInt8], timeout: Double) throws -> Int {
        var request = OutboundRequest(method: "POST", url: target.url, headers: headers, body: body)
        request.pinnedAddresses = Array(target.addresses.prefix(8))
        request.timeout = timeout
        request.connectTimeout = min(timeout, 5)
        request.maxResponseBytes = 64 * 1024  // the answer is not read; a receiver cannot make us buffer much
        do {
            return try client.send(request).status
        } catch {
            // Categories only: libcurl's text names addresses, ports and timings (docs/SECURITY.md).
            switch error {
            case .timeout: throw WebhookTransportError.timeout
            case .connectFailed: throw WebhookTransportError.connectFailed
            case .tls: throw WebhookTransportError.tls
            case .invalidURL: throw WebhookTransportError.other(reason: "libcurl refused the URL")
            case .other(_, let message) where message.hasPrefix("response body exceeds"):  // ours, from OutboundHTTPClient
                throw WebhookTransportError.other(reason: "the answer exceeded \(request.maxResponseBytes) bytes")
            case .other(let code, _):
                throw WebhookTransportError.other(reason: "the exchange failed (libcurl error \(code))")
            }
        }
    }
}

/// Builds the notification delivery of the server and the CLI on the `Outbound` transports.
public enum DeliveryTransports {
    /// `webhookResolver` resolves webhook hosts for the URL policy (tests answer for made-up names).
    public static func makeDelivery(database: Database, clock: any WallClock, settings: BillingSettings,
                                    userAgent: String = "billing-server-webhooks/1",
                                    webhookResolver: @escaping WebhookURLPolicy.Resolver = WebhookURLPolicy.systemResolver) -> NotificationDelivery {
        let n = settings.notifications
        var email: (any EmailTransport)?
        if let url = n.smtpURL, let from = n.smtpFrom {
            email = SMTPEmailTransport(sender: SMTPSender(configuration: SMTPConfiguration(url: url, from: from)))
        }
        return NotificationDelivery(
            email: NotificationSender(database: database, clock: clock, settings: settings, transport: email),
            webhooks: WebhookDispatcher(database: database, clock: clock, settings: n,
                                        transport: HTTPWebhookTransport(client: OutboundHTTPClient(userAgent: userAgent)),
                                        secrets: WebhookSecretBox(keys: settings.dataKeys), resolver: webhookResolver))
    }
}
