import Billing
import Foundation
import HTTP
import Support

/// Metering (SPEC §5).
enum UsageActions {
    static let maxBatch = 1000

    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("log_usage", [.POST], .write, scope: .tenant, summary: "Record one billable event (idempotent by idempotency_key; enforce checks hard quotas atomically)") { r in
                let input = try eventInput(r.params)
                let enforce = try r.params.bool("enforce") ?? false
                let result = try countingRejections(s) { try s.ingestor.log(tenantId: r.tenant, input, enforce: enforce) }
                s.metrics.recordIngestion(created: result.duplicate ? 0 : 1, duplicates: result.duplicate ? 1 : 0)
                let body = Present.usageEvent(result.event, duplicate: result.duplicate)
                return result.duplicate ? .ok(body) : .created(body)
            },
            Action("log_usage_batch", [.POST], .write, scope: .tenant, summary: "Record up to 1000 events in one transaction (all or nothing)") { r in
                guard let events = try r.params.array("events") else { throw APIError.validation("events", "is required") }
                guard !events.isEmpty, events.count <= maxBatch else {
                    throw APIError.validation("events", "must hold 1 to \(maxBatch) events")
                }
                var inputs: [UsageEventInput] = []
                for (i, element) in events.enumerated() {
                    guard case .object(let object) = element else { throw APIError.validation("events[\(i)]", "must be an object") }
                    do {
                        inputs.append(try eventInput(Params(query: [], body: object)))
                    } catch var e as APIError {
                        e.fields = Dictionary(uniqueKeysWithValues: e.fields.map { ("events[\(i)].\($0.key)", $0.value) })
                        e.message = "events[\(i)].\(e.message)"
                        throw e
                    }
                }
                let enforce = try r.params.bool("enforce") ?? false
                let results = try countingRejections(s) { try s.ingestor.logBatch(tenantId: r.tenant, inputs, enforce: enforce) }
                let created = results.filter { !$0.duplicate }.count
                s.metrics.recordIngestion(created: created, duplicates: results.count - created)
                let body: JSON = [
                    "created": .int(Int64(created)), "duplicates": .int(Int64(results.count - created)),
                    "results": .array(results.enumerated().map { i, res in
                        ["index": .int(Int64(i)), "id": .string(res.event.id), "status": .string(res.duplicate ? "duplicate" : "created")]
                    }),
                ]
                return created > 0 ? .created(body) : .ok(body)
            },
            Action("get_usage_stats", [.GET], .read, scope: .tenant, summary: "Totals per resource type over a date range (default: the last 30 days)") { r in
                let range = try dateRange(r.params, now: s.clock.now())
                let type = try r.params.enumeration("resource_type", ResourceType.self)
                let totals = try s.usage.stats(tenantId: r.tenant, fromMillis: range.from, toMillis: range.to, resourceType: type)
                let presented = Present.byResourceType(totals)
                return .ok(["tenant_id": .string(r.tenant), "by_resource_type": presented.list, "totals": presented.totals,
                            "period": ["start_date": Present.millis(range.from), "end_date": Present.millis(range.to)]])
            },
            Action("get_usage_timeseries", [.GET], .read, scope: .tenant, summary: "Usage per hour, day, week or month over a range") { r in
                let range = try dateRange(r.params, now: s.clock.now())
                let interval = try r.params.enumeration("interval", UsageInterval.self) ?? .day
                let type = try r.params.enumeration("resource_type", ResourceType.self)
                let fill = try r.params.bool("fill_zeros") ?? false
                let points = try s.usage.timeseries(tenantId: r.tenant, fromMillis: range.from, toMillis: range.to, interval: interval,
                                                    resourceType: type, fillZeros: fill)
                let calendar = s.settings.calendar
                let data: [JSON] = points.map { p in
                    ["date": bucketLabel(p.start, interval: interval, calendar: calendar), "period_start": Present.seconds(p.start),
                     "resource_type": .string(p.resourceType.rawValue), "event_count": .int(p.totals.eventCount),
                     "total_quantity": .int(p.totals.totalQuantity)]
                }
                return .ok(["tenant_id": .string(r.tenant), "interval": .string(interval.rawValue), "data": .array(data)])
            },
            Action("list_usage_events", [.GET], .read, scope: .tenant, summary: "Raw events, newest first, with offset or cursor pagination") { r in
                let filter = try eventFilter(r.params)
                let page = try r.params.page(defaultLimit: 100, maxLimit: 500)
                let cursor = try r.params.string("cursor", maxLength: 200).map(decodeCursor)
                let events = try s.usage.listEvents(tenantId: r.tenant, filter, limit: page.limit, offset: page.offset, cursor: cursor)
                let next: JSON = events.count == page.limit ? events.last.map { .string(encodeCursor($0)) } ?? .null : .null
                return .ok(["items": .array(events.map { Present.usageEvent($0) }), "limit": .int(Int64(page.limit)),
                            "offset": .int(Int64(cursor == nil ? page.offset : 0)), "next_cursor": next])
            },
            Action("export_usage", [.GET], .read, scope: .tenant, summary: "CSV of raw events (streamed), same filters as list_usage_events") { r in
                let filter = try eventFilter(r.params)
                let tenant = r.tenant
                let usage = s.usage
                var headers = HTTPHeaders([("Content-Type", "text/csv; charset=utf-8"), ("Cache-Control", "no-store")])
                headers.add("Content-Disposition", "attachment; filename=\"usage-\(tenant).csv\"")
                return .response(HTTPResponse(status: .ok, headers: headers, body: .stream { write in
                    var buffer = CSVField.record(exportColumns.map(CSVField.text))
                    try usage.forEachEvent(tenantId: tenant, filter) { e in
                        buffer += CSVField.record(exportRecord(e))
                        if buffer.count >= 32 * 1024 {
                            try write(buffer)
                            buffer.removeAll(keepingCapacity: true)
                        }
                    }
                    if !buffer.isEmpty { try write(buffer) }
                }))
            },
            Action("get_tenant_usage_summary", [.GET], .read, scope: .tenant, summary: "Totals of the current hour, day, month or lifetime, from the rollups") { r in
                let period = try r.params.enumeration("period_type", PeriodType.self) ?? .monthly
                let summary = try s.usage.summary(tenantId: r.tenant, period: period)
                let presented = Present.byResourceType(summary.totals)
                return .ok(["tenant_id": .string(r.tenant), "period_type": .string(period.rawValue), "period_start": Present.seconds(summary.periodStart),
                            "by_resource_type": presented.list, "totals": presented.totals])
            },
            Action("get_tenant_usage_trends", [.GET], .read, scope: .tenant, summary: "The last N hourly, daily or monthly windows per resource type") { r in
                let period = try r.params.enumeration("period_type", PeriodType.self) ?? .daily
                let limit = try r.params.int("limit", in: 1...1000) ?? 30
                let points = try s.usage.trends(tenantId: r.tenant, period: period, limit: Int(limit))
                return .ok(["tenant_id": .string(r.tenant), "period_type": .string(period.rawValue), "data": .array(points.map { p in
                    ["period_start": Present.seconds(p.start), "resource_type": .string(p.resourceType.rawValue),
                     "event_count": .int(p.totals.eventCount), "total_quantity": .int(p.totals.totalQuantity)]
                })])
            },
            Action("aggregate_tenant_usage", [.POST], .superAdmin, scope: .optionalTenant, summary: "Rebuild rollups from raw events (idempotent; dry_run only compares)") { r in
                let dryRun = try r.params.bool("dry_run") ?? false
                let result = try s.usage.rebuildRollups(tenantId: r.tenantId, dryRun: dryRun, context: r.context)
                return .ok(["tenant_id": JSON(r.tenantId), "rows_rebuilt": .int(Int64(result.rows)),
                            "mismatches": .int(Int64(result.mismatches)), "dry_run": .bool(dryRun)])
            },
            Action("cleanup_usage", [.POST], .superAdmin, scope: .optionalTenant, summary: "Delete raw events before a date; rollups keep the totals") { r in
                guard let before = try r.params.date("before") else { throw APIError.validation("before", "is required") }
                let deleted = try s.usage.cleanup(tenantId: r.tenantId, beforeMillis: Int64(before.timeIntervalSince1970 * 1000), context: r.context)
                return .ok(["tenant_id": JSON(r.tenantId), "deleted": .int(Int64(deleted))])
            },
        ]
    }

    /// The header of `export_usage`'s CSV (docs/ADMIN_API.md).
    static let exportColumns = ["id", "occurred_at", "resource_type", "quantity", "resource_id", "idempotency_key", "metadata"]

    /// One event as `export_usage` writes it: `quantity` a number field, everything else text fields
    /// (neutralised against formulas and quoted as `CSVField.text` says).
    static func exportRecord(_ e: UsageEvent) -> [CSVField] {
        [.text(e.id), .text(StoredTime.format(Date(timeIntervalSince1970: Double(e.occurredAt) / 1000))), .text(e.resourceType.rawValue),
         .number(e.quantity), .text(e.resourceId ?? ""), .text(e.idempotencyKey ?? ""),
         .text(e.metadata.map { JSON.object($0).serializedString() } ?? "")]
    }

    /// Runs an ingestion and counts a hard-quota refusal for `/metrics`.
    static func countingRejections<T>(_ s: AdminServices, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch BillingError.quotaExceeded(let q) {
            s.metrics.recordQuotaRejection()
            throw BillingError.quotaExceeded(q)
        }
    }

    static func eventInput(_ p: Params) throws -> UsageEventInput {
        guard let type = try p.enumeration("resource_type", ResourceType.self) else { throw APIError.validation("resource_type", "is required") }
        let quantity = try p.int("quantity", in: 1...UsageEventInput.maxQuantity) ?? 1
        var input = UsageEventInput(resourceType: type, quantity: quantity)
        input.resourceId = try p.string("resource_id", maxLength: UsageEventInput.maxResourceIdLength)
        input.metadata = try p.object("metadata")
        input.idempotencyKey = try p.string("idempotency_key", maxLength: UsageEventInput.maxIdempotencyKeyLength)
        input.occurredAt = try p.timestamp("occurred_at").map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        return input
    }

    /// `start_date` / `end_date` (date or timestamp; a date-only end includes that day); default the last 30 days.
    static func dateRange(_ p: Params, now: Date) throws -> (from: Int64, to: Int64) {
        // The bound is exclusive: without end_date it lies just past now, so an event recorded in the
        // current millisecond is counted.
        let end = try p.date("end_date", endOfDay: true) ?? now.addingTimeInterval(0.001)
        let start = try p.date("start_date") ?? end.addingTimeInterval(-30 * 86400)
        guard start < end else { throw APIError.validation("start_date", "must be before end_date") }
        return (Int64((start.timeIntervalSince1970 * 1000).rounded(.down)), Int64((end.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    static func eventFilter(_ p: Params) throws -> UsageEventFilter {
        var f = UsageEventFilter()
        f.resourceType = try p.enumeration("resource_type", ResourceType.self)
        f.resourceId = try p.string("resource_id", maxLength: UsageEventInput.maxResourceIdLength)
        f.fromMillis = try p.date("start_date").map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        f.toMillis = try p.date("end_date", endOfDay: true).map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        return f
    }

    static func bucketLabel(_ start: Int64, interval: UsageInterval, calendar: BillingCalendar) -> JSON {
        if interval == .hour { return Present.seconds(start) }
        let local = start + Int64(calendar.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(start))))
        return .string(RFC3339.formatDate(Date(timeIntervalSince1970: Double(local))))
    }

    static func encodeCursor(_ e: UsageEvent) -> String {
        Base64URL.encode(Array("\(e.occurredAt):\(e.id)".utf8))
    }

    static func decodeCursor(_ text: String) throws -> (occurredAt: Int64, id: String) {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let decoded = String(data: data, encoding: .utf8) else {
            throw APIError.validation("cursor", "is not a cursor returned by this server")
        }
        let parts = decoded.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let at = Int64(parts[0]), UUIDv7.isValid(String(parts[1])) else {
            throw APIError.validation("cursor", "is not a cursor returned by this server")
        }
        return (at, String(parts[1]))
    }
}
