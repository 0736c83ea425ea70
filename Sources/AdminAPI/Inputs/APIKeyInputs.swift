import Billing
import Support
import Foundation

/// `generate_api_key`: the key belongs to the resolved tenant (none for a super-admin key).
struct GenerateAPIKeyInput: ActionInput {
    static let name = Field<String>.string("name", "What the key is for (shown in lists)", maxLength: APIKey.maxNameLength).required().example("chatbot")
    static let role = Field<Role>.enumeration("role", Role.self, "What the key may do (default viewer; service for an application that records usage); billing and super-admin keys belong to no tenant")
    static let expiresAt = Field<Date>.timestamp("expires_at", "When the key stops working (in the future; default never)")
    static let fields = [name.spec, role.spec, expiresAt.spec]

    let name: String
    let role: Role
    let expiresAt: Date?

    init(_ r: inout InputReader) {
        name = r(Self.name)
        role = r(Self.role) ?? .viewer
        expiresAt = r(Self.expiresAt)
    }
}

/// `list_api_keys`.
struct ListAPIKeysInput: ActionInput {
    static let fields = Page.fields()
    let page: Page
    init(_ r: inout InputReader) { page = Page(&r) }
}

/// `revoke_api_key`.
struct RevokeAPIKeyInput: ActionInput {
    static let id = CommonFields.id.example("0190a1b2-d4e5-7f60-9a1b-2c3d4e5f6a7b")
    static let fields = [id.spec]
    let id: String
    init(_ r: inout InputReader) { id = r(Self.id) }
}
