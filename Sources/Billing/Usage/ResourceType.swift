/// The billable resources (SPEC §5).
public enum ResourceType: String, Sendable, CaseIterable, Hashable {
    case message
    case completion
    case fileUpload = "file_upload"
    case fileStorage = "file_storage"
    case vectorQuery = "vector_query"
    case toolCall = "tool_call"
    case embedding
    case apiCall = "api_call"
}

/// Calendar windows of rollups and quotas: the current hour, day, month, or the whole lifetime.
public enum PeriodType: String, Sendable, CaseIterable, Hashable {
    case hourly, daily, monthly, total
}

/// Event count and summed quantity over some range.
public struct UsageTotals: Sendable, Equatable {
    public var eventCount: Int64
    public var totalQuantity: Int64

    public init(eventCount: Int64 = 0, totalQuantity: Int64 = 0) {
        self.eventCount = eventCount
        self.totalQuantity = totalQuantity
    }
}
