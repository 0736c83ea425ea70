import Foundation
import Storage
import Support

/// First-run setup: the super-admin API key and, optionally, the first dashboard user.
public enum Bootstrap {
    /// What bootstrap did; `generatedKey` is set only when a key was generated and must be shown once.
    public struct Outcome: Sendable {
        public var generatedKey: String?
        public var importedKey = false
        public var createdUserEmail: String?
    }

    /// On an empty `api_keys` table, stores `adminAPIKey` or generates a super-admin key.
    /// On an empty `users` table with both `adminEmail` and `adminPassword`, creates a super-admin user.
    public static func run(apiKeys: APIKeyService, users: UserService, adminAPIKey: String?, adminEmail: String?,
                           adminPassword: String?) throws -> Outcome {
        var outcome = Outcome()
        if try apiKeys.isEmpty() {
            if let adminAPIKey, !adminAPIKey.isEmpty {
                outcome.importedKey = try apiKeys.importKey(secret: adminAPIKey, name: "bootstrap (ADMIN_API_KEY)", role: .superAdmin, tenantId: nil) != nil
            } else {
                let issued = try apiKeys.generate(name: "bootstrap", role: .superAdmin, tenantId: nil, expiresAt: nil, context: .system)
                outcome.generatedKey = issued.secret
            }
        }
        if let adminEmail, let adminPassword, try users.isEmpty() {
            do {
                let user = try users.create(UserDraft(email: adminEmail, password: adminPassword, role: .superAdmin), context: .system)
                outcome.createdUserEmail = user.email
            } catch BillingError.conflict {
                // Another instance starting at the same moment created it.
            }
        }
        return outcome
    }
}
