import Billing
import HTTP
import Support

/// API key management (SPEC §3).
enum APIKeyActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("generate_api_key", [.POST], .write, scope: .optionalTenant, summary: "Create an API key; the secret is shown only in this response") { r in
                let name = try r.params.requiredString("name", maxLength: 100)
                let role = try r.params.enumeration("role", Role.self) ?? .viewer
                let expires = try r.params.timestamp("expires_at")
                let issued = try s.apiKeys.generate(name: name, role: role, tenantId: r.tenantId, expiresAt: expires, context: r.context)
                guard case .object(var body) = Present.apiKey(issued.key) else { return .created(Present.apiKey(issued.key)) }
                body["key"] = .string(issued.secret)
                return .created(.object(body))
            },
            Action("list_api_keys", [.GET], .write, scope: .optionalTenant, summary: "API keys (never their secrets)") { r in
                .ok(.array(try s.apiKeys.list(tenantId: r.tenantId).map(Present.apiKey)))
            },
            Action("revoke_api_key", [.POST], .write, scope: .optionalTenant, summary: "Revoke an API key") { r in
                let id = try r.params.requiredID("id")
                return .ok(Present.apiKey(try s.apiKeys.revoke(id: id, tenantId: r.tenantId, context: r.context)))
            },
        ]
    }
}
