import Billing

/// `set_quota`: create or update the quota of one resource and period; omitted fields are kept.
struct SetQuotaInput: ActionInput {
    static let resourceType = CommonFields.resourceType.required()
    static let period = CommonFields.period.required()
    static let limitValue = Field<Int64>.int("limit_value", "The limit in units of the resource", in: 1...Int64.max)
    static let isHardLimit = Field<Bool>.bool("is_hard_limit", "Refuse usage beyond the limit when logged with enforce")
    static let threshold = Field<Int64>.int("notification_threshold", "Percent of the limit that raises a warning (null: the server default)",
                                            in: 1...100).nullable()
    static let fields = [resourceType.spec, period.spec, limitValue.spec, isHardLimit.spec, threshold.spec]

    let quota: QuotaInput

    init(_ r: inout InputReader) {
        var quota = QuotaInput(resourceType: r(Self.resourceType), period: r(Self.period))
        quota.limitValue = r(Self.limitValue)
        quota.isHardLimit = r(Self.isHardLimit)
        quota.notificationThreshold = r(Self.threshold).map { $0.map(Int.init) }
        self.quota = quota
    }
}

/// `delete_quota`.
struct DeleteQuotaInput: ActionInput {
    static let fields = [CommonFields.id.spec]
    let id: String
    init(_ r: inout InputReader) { id = r(CommonFields.id) }
}

/// `check_quota`: one resource's quota in one period (daily by default).
struct CheckQuotaInput: ActionInput {
    static let resourceType = CommonFields.resourceType.required()
    static let fields = [resourceType.spec, CommonFields.period.spec]
    let resourceType: ResourceType
    let period: PeriodType
    init(_ r: inout InputReader) {
        resourceType = r(Self.resourceType)
        period = r(CommonFields.period) ?? .daily
    }
}

/// `list_quotas`.
struct ListQuotasInput: ActionInput {
    static let fields = Page.fields()
    let page: Page
    init(_ r: inout InputReader) { page = Page(&r) }
}
