import Billing
import Support

/// The startup pass over webhook endpoint secrets (seal the plaintext ones under `PAYMENT_DATA_KEY`),
/// and what it tells the operator. Logs counts only, never a secret.
enum WebhookSecretStartup {
    static func run(_ webhooks: WebhookService, logger: Logger) throws {
        let census = try webhooks.sealStoredSecrets()
        if census.sealedNow > 0 {
            logger.info("webhook endpoint secrets sealed under PAYMENT_DATA_KEY", ["count": String(census.sealedNow)])
        }
        if census.plaintext > 0 {
            logger.warning("webhook endpoint secrets are stored unencrypted; set PAYMENT_DATA_KEY to seal them at the next start",
                           ["count": String(census.plaintext)])
        }
        if census.unopenable > 0 {
            let reason = census.sealing
                ? "webhook endpoint secrets cannot be unsealed with the configured PAYMENT_DATA_KEY; their deliveries fail until the key that sealed them is configured"
                : "webhook endpoint secrets are sealed but PAYMENT_DATA_KEY is not configured; their deliveries fail until it is"
            logger.warning(reason, ["count": String(census.unopenable)])
        }
    }
}
