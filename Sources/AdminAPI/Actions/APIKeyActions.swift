import Billing
import HTTP
import Support

/// API key management (SPEC §3).
enum APIKeyActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("generate_api_key", [.POST], .write, scope: .optionalTenant, input: GenerateAPIKeyInput.self,
                   summary: "Create an API key; the secret is shown only in this response") { r, input in
                let issued = try s.apiKeys.generate(name: input.name, role: input.role, tenantId: r.tenantId, expiresAt: input.expiresAt,
                                                    context: r.context)
                guard case .object(var body) = Present.apiKey(issued.key) else { return .created(Present.apiKey(issued.key)) }
                body["key"] = .string(issued.secret)
                return .created(.object(body))
            },
            Action("list_api_keys", [.GET], .write, scope: .optionalTenant, input: ListAPIKeysInput.self,
                   summary: "API keys, newest first (never their secrets)") { r, input in
                let page = input.page
                let result = try s.apiKeys.list(tenantId: r.tenantId, limit: page.limit, offset: page.offset)
                return .ok(Present.page(result.keys.map(Present.apiKey), total: result.total, limit: page.limit, offset: page.offset))
            },
            Action("revoke_api_key", [.POST], .write, scope: .optionalTenant, input: RevokeAPIKeyInput.self, summary: "Revoke an API key") { r, input in
                .ok(Present.apiKey(try s.apiKeys.revoke(id: input.id, tenantId: r.tenantId, context: r.context)))
            },
        ]
    }
}
