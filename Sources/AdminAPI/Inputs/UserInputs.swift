import Billing
import Support

/// The fields of a dashboard user that `create_user` and `update_user` both take.
enum UserFields {
    static func email(_ description: String) -> Field<String> {
        .string("email", description, maxLength: EmailAddress.maxLength, format: "email")
    }
    static func password(_ description: String) -> Field<String> {
        .string("password", description, maxLength: UserService.maximumPasswordLength)
    }
    static let role = Field<Role>.enumeration("role", Role.self, "service records usage and checks quotas, viewer reads, admin manages the tenant's users, keys, webhooks and payment methods and pays its invoices; billing (no tenant) changes what tenants are billed, super-admin (no tenant) does everything")
    static let examplePassword: JSON = "a long enough password"
}

/// `list_users`.
struct ListUsersInput: ActionInput {
    static let fields = Page.fields()
    let page: Page
    init(_ r: inout InputReader) { page = Page(&r) }
}

/// `create_user`: the new user's tenant is the resolved `tenant_id` (none for a super-admin user).
struct CreateUserInput: ActionInput {
    static let email = UserFields.email("The user's e-mail address, unique across all tenants").required().example("ana@example.com")
    static let password = UserFields.password("At least \(UserService.minimumPasswordLength) characters").required().example(UserFields.examplePassword)
    static let name = Field<String>.string("name", "The user's display name", maxLength: User.maxNameLength)
    static let fields = [email.spec, password.spec, name.spec, UserFields.role.spec]

    let draft: UserDraft

    init(_ r: inout InputReader) {
        draft = UserDraft(email: r(Self.email), name: .some(r(Self.name)), password: r(Self.password), role: r(UserFields.role))
    }
}

/// `update_user`: omitted fields are kept.
struct UpdateUserInput: ActionInput {
    static let id = CommonFields.id.example("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    static let email = UserFields.email("The new e-mail address, unique across all tenants")
    static let password = UserFields.password("A new password of at least \(UserService.minimumPasswordLength) characters; ends the user's sessions")
    static let name = Field<String>.string("name", "The new display name (null: none)", maxLength: User.maxNameLength).nullable()
    static let newTenantId = Field<String>.id("new_tenant_id", "Move the user to this tenant (super-admin only; null: no tenant, for a super-admin user)")
        .nullable()
    static let fields = [id.spec, email.spec, password.spec, name.spec, UserFields.role.spec, newTenantId.spec]

    let id: String
    let draft: UserDraft

    init(_ r: inout InputReader) {
        id = r(Self.id)
        draft = UserDraft(email: r(Self.email), name: r(Self.name), password: r(Self.password), role: r(UserFields.role), tenantId: r(Self.newTenantId))
    }
}

/// `delete_user`.
struct DeleteUserInput: ActionInput {
    static let id = CommonFields.id.example("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    static let fields = [id.spec]
    let id: String
    init(_ r: inout InputReader) { id = r(Self.id) }
}
