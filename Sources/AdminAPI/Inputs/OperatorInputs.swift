import Billing
import Support

/// `list_operator_alerts`. `tenant_id` is a filter here, not a scope: the action is the operator's alone.
struct ListOperatorAlertsInput: ActionInput {
    static let open = Field<Bool>.bool("open", "true: open alerts only; false: resolved ones only; omitted: both")
    static let kind = Field<String>.string("kind", "Only alerts of this kind (e.g. gateway_event_held, gateway_charge_mismatch)", maxLength: 100)
    static let tenantId = Field<String>.id("tenant_id", "Only alerts about this tenant")
    static let fields = [open.spec, kind.spec, tenantId.spec] + Page.fields()

    let query: OperatorAlertQuery

    init(_ r: inout InputReader) {
        var q = OperatorAlertQuery()
        q.open = r(Self.open)
        q.kind = r(Self.kind)
        q.tenantId = r(Self.tenantId)
        let page = Page(&r)
        q.limit = page.limit
        q.offset = page.offset
        query = q
    }
}

/// `resolve_operator_alert`.
struct ResolveOperatorAlertInput: ActionInput {
    static let id = CommonFields.id.example("0190a1b2-f607-7b12-9c3d-4e5f6a7b8c9d")
    static let resolution = Field<String>.string("resolution", "What was done about it", maxLength: OperatorAlert.maxResolutionLength)
        .required().example("Refunded the duplicate charge in Asaas")
    static let fields = [id.spec, resolution.spec]

    let id: String
    let resolution: String

    init(_ r: inout InputReader) {
        id = r(Self.id)
        resolution = r(Self.resolution)
    }
}
