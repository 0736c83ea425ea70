import Billing
import Support

/// The tenant a tenant-management action addresses: `id`, with `tenant_id` accepted as its old name.
struct TenantIdInput: ActionInput {
    static let id = Field<String>.id("id", "The tenant's id").alias("tenant_id").required().example("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    static let fields = [id.spec]

    let id: String

    init(_ r: inout InputReader) { id = r(Self.id) }
}

/// The fields `create_tenant` and `update_tenant` share; on update an omitted field is kept and `null` clears
/// `plan`, `billing_email` and `settings`.
struct TenantDraftFields: Sendable {
    static func name(_ description: String) -> Field<String> {
        .string("name", description, maxLength: Tenant.maxNameLength)
    }
    static let slug = Field<String>.string("slug", "URL-safe handle: 2–\(Tenant.maxSlugLength) lower-case letters, digits or single hyphens; unique",
                                           maxLength: Tenant.maxSlugLength, pattern: "^[a-z0-9]+(-[a-z0-9]+)*$")
    static let status = Field<Tenant.Status>.enumeration("status", Tenant.Status.self,
                                                         "active (default), suspended or inactive (the principals of the last two are refused)")
    static let plan = Field<String>.string("plan", "The tenant's plan type: \(TenantService.planTypes.joined(separator: ", ")) (null: none)",
                                           maxLength: 64).nullable()
    static let billingEmail = Field<String>.string("billing_email", "Where invoices and notifications are e-mailed (null: nowhere)",
                                                   maxLength: EmailAddress.maxLength, format: "email").nullable()
    static let settings = Field<JSONObject>.object("settings", "Free-form settings kept with the tenant (null: none)").nullable()
    static let sharedFields = [slug.spec, status.spec, plan.spec, billingEmail.spec, settings.spec]

    /// Reads every shared field into a draft whose `name` is `name`.
    static func draft(_ r: inout InputReader, name: String?) -> TenantDraft {
        var draft = TenantDraft(name: name, slug: r(Self.slug), status: r(Self.status))
        draft.plan = r(Self.plan)
        draft.billingEmail = r(Self.billingEmail)
        draft.settings = r(Self.settings)
        return draft
    }
}

/// `create_tenant`.
struct CreateTenantInput: ActionInput {
    static let name = TenantDraftFields.name("The tenant's display name").required().example("Acme Ltda")
    static let fields = [name.spec] + TenantDraftFields.sharedFields

    let draft: TenantDraft

    init(_ r: inout InputReader) {
        let name = r(Self.name)
        draft = TenantDraftFields.draft(&r, name: name)
    }
}

/// `update_tenant`: the tenant's id and the fields to change.
struct UpdateTenantInput: ActionInput {
    static let name = TenantDraftFields.name("The new display name")
    static let fields = TenantIdInput.fields + [name.spec] + TenantDraftFields.sharedFields

    let id: String
    let draft: TenantDraft

    init(_ r: inout InputReader) {
        id = r(TenantIdInput.id)
        let name = r(Self.name)
        draft = TenantDraftFields.draft(&r, name: name)
    }
}

/// `list_tenants`.
struct ListTenantsInput: ActionInput {
    static let status = Field<Tenant.Status>.enumeration("status", Tenant.Status.self, "Only tenants in this status")
    static let search = Field<String>.string("search", "Only tenants whose name, slug or billing e-mail contains this text (any case)", maxLength: 200)
    static let fields = [status.spec, search.spec] + Page.fields()

    let status: Tenant.Status?
    let search: String?
    let page: Page

    init(_ r: inout InputReader) {
        status = r(Self.status)
        search = r(Self.search)
        page = Page(&r)
    }
}
