import Billing
import Foundation
import Support

/// One billable event: `log_usage`'s input and each element of `log_usage_batch`'s `events`.
struct UsageEventFields: InputShape {
    static let resourceType = CommonFields.resourceType.required().example("message")
    static let quantity = Field<Int64>.int("quantity", "Units consumed (default 1)", in: 1...UsageEventInput.maxQuantity).example(1)
    static let resourceId = Field<String>.string("resource_id", "The caller's id of what was used (a chat, a model)",
                                                 maxLength: UsageEventInput.maxResourceIdLength)
    static let metadata = Field<JSONObject>.object("metadata", "Free-form details kept with the event (at most 8 KiB of JSON)")
    static let idempotencyKey = Field<String>.string("idempotency_key", "A retry with the same key returns the stored event instead of counting twice",
                                                     maxLength: UsageEventInput.maxIdempotencyKeyLength)
    static let occurredAt = Field<Date>.timestamp("occurred_at", "When it happened (default now; within the late window)")
    static let fields = [resourceType.spec, quantity.spec, resourceId.spec, metadata.spec, idempotencyKey.spec, occurredAt.spec]

    let event: UsageEventInput

    init(_ r: inout InputReader) {
        var event = UsageEventInput(resourceType: r(Self.resourceType), quantity: r(Self.quantity) ?? 1)
        event.resourceId = r(Self.resourceId)
        event.metadata = r(Self.metadata)
        event.idempotencyKey = r(Self.idempotencyKey)
        event.occurredAt = r(Self.occurredAt).map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        self.event = event
    }
}

/// `log_usage`: one event, optionally admitted against hard quotas.
struct LogUsageInput: ActionInput {
    static let enforce = Field<Bool>.bool("enforce", "Refuse (429 quota_exceeded) when a hard quota would be exceeded")
    static let fields = UsageEventFields.fields + [enforce.spec]

    let event: UsageEventInput
    let enforce: Bool

    init(_ r: inout InputReader) {
        event = UsageEventFields(&r).event
        enforce = r(Self.enforce) ?? false
    }
}

/// `log_usage_batch`: up to 1,000 events, all or nothing.
struct LogUsageBatchInput: ActionInput {
    static let maxEvents = 1000
    static let events = UsageEventFields.array("events", count: 1...maxEvents, "The events, each shaped like log_usage's body").required()
    static let fields = [events.spec, LogUsageInput.enforce.spec]

    let events: [UsageEventInput]
    let enforce: Bool

    init(_ r: inout InputReader) {
        events = r(Self.events).map(\.event)
        enforce = r(LogUsageInput.enforce) ?? false
    }
}

/// `start_date` / `end_date` of the usage reads: a date or a timestamp; a date-only end includes that day.
struct UsageDateRange: Sendable {
    static let start = Field<Date>.date("start_date", "From (inclusive; default 30 days before end_date)")
    static let end = Field<Date>.date("end_date", "Until (a date includes that whole day; default now)", endOfDay: true)
    static let fields = [start.spec, end.spec]

    let start: Date?
    let end: Date?

    init(_ r: inout InputReader) {
        start = r(Self.start)
        end = r(Self.end)
        if let start, let end, start >= end { r.fail("start_date", "must be before end_date") }
    }

    /// Unix ms bounds, the end exclusive: without `end_date` it lies just past now, so an event of the
    /// current millisecond is counted.
    func millis(now: Date) throws -> (from: Int64, to: Int64) {
        let end = end ?? now.addingTimeInterval(0.001)
        let start = start ?? end.addingTimeInterval(-30 * 86400)
        guard start < end else { throw APIError.validation("start_date", "must be before end_date") }
        return (Int64((start.timeIntervalSince1970 * 1000).rounded(.down)), Int64((end.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

/// `get_usage_stats`.
struct UsageStatsInput: ActionInput {
    static let fields = UsageDateRange.fields + [CommonFields.resourceType.spec]
    let range: UsageDateRange
    let resourceType: ResourceType?
    init(_ r: inout InputReader) {
        range = UsageDateRange(&r)
        resourceType = r(CommonFields.resourceType)
    }
}

/// `get_usage_timeseries`.
struct UsageTimeseriesInput: ActionInput {
    static let interval = Field<UsageInterval>.enumeration("interval", UsageInterval.self, "Bucket size (default day)")
    static let fillZeros = Field<Bool>.bool("fill_zeros", "Include empty buckets as zeros")
    static let fields = UsageDateRange.fields + [interval.spec, CommonFields.resourceType.spec, fillZeros.spec]
    let range: UsageDateRange
    let interval: UsageInterval
    let resourceType: ResourceType?
    let fillZeros: Bool
    init(_ r: inout InputReader) {
        range = UsageDateRange(&r)
        interval = r(Self.interval) ?? .day
        resourceType = r(CommonFields.resourceType)
        fillZeros = r(Self.fillZeros) ?? false
    }
}

/// The filters of `list_usage_events` and `export_usage`.
struct UsageEventFilterFields: Sendable {
    static let resourceId = Field<String>.string("resource_id", "Only events of this resource id", maxLength: UsageEventInput.maxResourceIdLength)
    static let fields = [CommonFields.resourceType.spec, resourceId.spec] + UsageDateRange.fields
    let filter: UsageEventFilter
    init(_ r: inout InputReader) {
        var f = UsageEventFilter()
        f.resourceType = r(CommonFields.resourceType)
        f.resourceId = r(Self.resourceId)
        let range = UsageDateRange(&r)
        f.fromMillis = range.start.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        f.toMillis = range.end.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        filter = f
    }
}

/// `list_usage_events`: offset or cursor pagination (not both).
struct ListUsageEventsInput: ActionInput {
    static let cursor = Field<String>.string("cursor", "next_cursor of the previous page", maxLength: 200)
    static let fields = UsageEventFilterFields.fields + Page.fields() + [cursor.spec]
    let filter: UsageEventFilter
    let page: Page
    let cursor: (occurredAt: Int64, id: String)?
    init(_ r: inout InputReader) {
        filter = UsageEventFilterFields(&r).filter
        page = Page(&r)
        let text = r(Self.cursor)
        if text != nil, page.offset != 0 || r.has(Page.offsetField.spec) { r.fail("cursor", "cannot be combined with offset") }
        var decoded: (occurredAt: Int64, id: String)?
        if let text {
            do { decoded = try UsageActions.decodeCursor(text) } catch { r.fail("cursor", "is not a cursor returned by this server") }
        }
        cursor = decoded
    }
}

/// `export_usage`.
struct ExportUsageInput: ActionInput {
    static let fields = UsageEventFilterFields.fields
    let filter: UsageEventFilter
    init(_ r: inout InputReader) { filter = UsageEventFilterFields(&r).filter }
}

/// `get_tenant_usage_summary` and `get_tenant_usage_trends`: the window, `period` as for quotas (`period_type` until 0.2).
struct UsagePeriodFields: Sendable {
    static let period = Field<PeriodType>.enumeration("period", PeriodType.self, "The window").alias("period_type")
}

/// `get_tenant_usage_summary`.
struct UsageSummaryInput: ActionInput {
    static let fields = [UsagePeriodFields.period.spec]
    let period: PeriodType
    init(_ r: inout InputReader) { period = r(UsagePeriodFields.period) ?? .monthly }
}

/// `get_tenant_usage_trends`.
struct UsageTrendsInput: ActionInput {
    static let limit = Field<Int64>.int("limit", "How many windows, newest last (default 30)", in: 1...1000)
    static let fields = [UsagePeriodFields.period.spec, limit.spec]
    let period: PeriodType
    let limit: Int
    init(_ r: inout InputReader) {
        period = r(UsagePeriodFields.period) ?? .daily
        limit = Int(r(Self.limit) ?? 30)
    }
}

/// `aggregate_tenant_usage`.
struct AggregateUsageInput: ActionInput {
    static let dryRun = Field<Bool>.bool("dry_run", "Only compare the rollups with the raw events")
    static let fields = [dryRun.spec]
    let dryRun: Bool
    init(_ r: inout InputReader) { dryRun = r(Self.dryRun) ?? false }
}

/// `cleanup_usage`.
struct CleanupUsageInput: ActionInput {
    static let before = Field<Date>.date("before", "Delete raw events that occurred before this").required()
    static let fields = [before.spec]
    let before: Date
    init(_ r: inout InputReader) { before = r(Self.before) }
}
