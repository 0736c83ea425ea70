import Foundation
import Support

/// Why an endpoint's stored secret cannot be used to sign. The text names no secret: it is what
/// `last_error` of the delivery shows.
public enum WebhookSecretError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Sealed, but the configured key does not open it (another key, or the stored value was altered or moved).
    case cannotUnseal
    /// Sealed, but no usable `PAYMENT_DATA_KEY` is configured.
    case keyMissing

    public var description: String {
        switch self {
        case .cannotUnseal:
            "endpoint secret cannot be unsealed: PAYMENT_DATA_KEY is not the key it was sealed with, or the stored value was altered"
        case .keyMissing:
            "endpoint secret is sealed but PAYMENT_DATA_KEY is not configured"
        }
    }
}

/// How webhook endpoint signing secrets are kept at rest.
///
/// With `PAYMENT_DATA_KEY` configured, the column holds `sealed:v2:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`:
/// AES-256-GCM (`SecretBox`) under a subkey derived from that key for this purpose only (HKDF-SHA256),
/// with the endpoint id as associated data, so a sealed value copied to another row does not open.
/// Without the key, the column holds the plaintext `whsec_…` secret. A plaintext value is always
/// accepted for signing: it is a row written before the key was configured, sealed at the next startup.
public struct WebhookSecretBox: Sendable {
    let box: SecretBox

    /// The HKDF info string; changing it orphans every sealed secret.
    static let purpose = "billing-server webhook-endpoint-secrets v1"
    static let sealedPrefix = "sealed:"

    /// Seals under a subkey of `paymentDataKey`; stores plaintext when it is nil, empty or not a valid key
    /// (the configuration reader refuses an invalid `PAYMENT_DATA_KEY` before this is reached).
    public init(paymentDataKey: String?) {
        let ring = (try? DataKeyRing(current: paymentDataKey.flatMap { $0.isEmpty ? nil : $0 })) ?? .empty
        self.init(keys: DataKeys(ring))
    }

    /// Seals under the `purpose` subkeys of a live ring (a rotation applies at once).
    public init(keys: DataKeys) {
        box = SecretBox(keys: keys, purpose: Self.purpose)
    }

    /// True when new secrets are stored sealed.
    public var seals: Bool { box.canSeal }

    static func isSealed(_ stored: String) -> Bool { stored.hasPrefix(sealedPrefix) }

    /// The column value for `secret` of endpoint `endpointId`.
    func stored(_ secret: String, endpointId: String) throws -> String {
        guard box.canSeal else { return secret }
        return Self.sealedPrefix + (try box.seal(secret, associatedData: Array(endpointId.utf8)))
    }

    /// The secret to sign with, from the column value of endpoint `endpointId`.
    func signingSecret(stored: String, endpointId: String) throws(WebhookSecretError) -> String {
        guard Self.isSealed(stored) else { return stored }
        guard box.canSeal else { throw .keyMissing }
        do {
            return try box.open(String(stored.dropFirst(Self.sealedPrefix.count)), associatedData: Array(endpointId.utf8))
        } catch {
            throw .cannotUnseal
        }
    }
}
