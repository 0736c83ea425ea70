import Foundation

/// A usage limit of one resource over one calendar period.
public struct Quota: Sendable, Equatable {
    public let id: String
    public let tenantId: String
    public let resourceType: ResourceType
    public var limitValue: Int64
    public var period: PeriodType
    public var isHardLimit: Bool
    /// Percentage (1…100) at which a `quota_warning` is raised; nil → `QUOTA_WARNING_THRESHOLD`.
    public var notificationThreshold: Int?
    public let createdAt: Date
    public var updatedAt: Date
}

/// `set_quota` input; nil fields keep the stored value on update (an upsert keeps what it is not told).
public struct QuotaInput: Sendable {
    public var resourceType: ResourceType
    public var period: PeriodType
    public var limitValue: Int64?
    public var isHardLimit: Bool?
    /// `.none` keep, `.some(nil)` clear, `.some(n)` set.
    public var notificationThreshold: Int??

    public init(resourceType: ResourceType, period: PeriodType, limitValue: Int64? = nil, isHardLimit: Bool? = nil,
                notificationThreshold: Int?? = nil) {
        self.resourceType = resourceType
        self.period = period
        self.limitValue = limitValue
        self.isHardLimit = isHardLimit
        self.notificationThreshold = notificationThreshold
    }
}
