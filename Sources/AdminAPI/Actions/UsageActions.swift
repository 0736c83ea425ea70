import Billing
import Foundation
import HTTP
import Support

/// Metering (SPEC §5).
enum UsageActions {
    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("log_usage", [.POST], .usage, scope: .tenant, input: LogUsageInput.self,
                   summary: "Record one billable event (idempotent by idempotency_key; enforce checks hard quotas atomically)") { r, input in
                let result = try countingRejections(s) { try s.ingestor.log(tenantId: r.tenant, input.event, enforce: input.enforce) }
                s.metrics.recordIngestion(created: result.duplicate ? 0 : 1, duplicates: result.duplicate ? 1 : 0)
                let body = Present.usageEvent(result.event, duplicate: result.duplicate)
                return result.duplicate ? .ok(body) : .created(body)
            },
            Action("log_usage_batch", [.POST], .usage, scope: .tenant, input: LogUsageBatchInput.self,
                   summary: "Record up to 1000 events in one transaction (all or nothing)") { r, input in
                let results = try countingRejections(s) { try s.ingestor.logBatch(tenantId: r.tenant, input.events, enforce: input.enforce) }
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
            Action("get_usage_stats", [.GET], .read, scope: .tenant, input: UsageStatsInput.self,
                   summary: "Totals per resource type over a date range (default: the last 30 days)") { r, input in
                let range = try input.range.millis(now: s.clock.now())
                let totals = try s.usage.stats(tenantId: r.tenant, fromMillis: range.from, toMillis: range.to, resourceType: input.resourceType)
                let presented = Present.byResourceType(totals)
                return .ok(["tenant_id": .string(r.tenant), "by_resource_type": presented.list, "totals": presented.totals,
                            "period": ["start_date": Present.millis(range.from), "end_date": Present.millis(range.to)]])
            },
            Action("get_usage_timeseries", [.GET], .read, scope: .tenant, input: UsageTimeseriesInput.self,
                   summary: "Usage per hour, day, week or month over a range") { r, input in
                let range = try input.range.millis(now: s.clock.now())
                let interval = input.interval
                let points = try s.usage.timeseries(tenantId: r.tenant, fromMillis: range.from, toMillis: range.to, interval: interval,
                                                    resourceType: input.resourceType, fillZeros: input.fillZeros)
                let calendar = s.settings.calendar
                let data: [JSON] = points.map { p in
                    ["date": bucketLabel(p.start, interval: interval, calendar: calendar), "period_start": Present.seconds(p.start),
                     "resource_type": .string(p.resourceType.rawValue), "event_count": .int(p.totals.eventCount),
                     "total_quantity": .int(p.totals.totalQuantity)]
                }
                return .ok(["tenant_id": .string(r.tenant), "interval": .string(interval.rawValue), "data": .array(data)])
            },
            Action("list_usage_events", [.GET], .read, scope: .tenant, input: ListUsageEventsInput.self,
                   summary: "Raw events, newest first, with offset or cursor pagination") { r, input in
                let page = input.page
                let events = try s.usage.listEvents(tenantId: r.tenant, input.filter, limit: page.limit, offset: page.offset, cursor: input.cursor)
                let next: JSON = events.count == page.limit ? events.last.map { .string(encodeCursor($0)) } ?? .null : .null
                return .ok(["items": .array(events.map { Present.usageEvent($0) }), "limit": .int(Int64(page.limit)),
                            "offset": .int(Int64(input.cursor == nil ? page.offset : 0)), "next_cursor": next])
            }.answering(.cursorPage),
            Action("export_usage", [.GET], .read, scope: .tenant, input: ExportUsageInput.self,
                   summary: "CSV of raw events (streamed), same filters as list_usage_events") { r, input in
                let filter = input.filter
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
            }.producing(["text/csv"]),
            Action("get_tenant_usage_summary", [.GET], .read, scope: .tenant, input: UsageSummaryInput.self,
                   summary: "Totals of the current hour, day, month or lifetime, from the rollups") { r, input in
                let period = input.period
                let summary = try s.usage.summary(tenantId: r.tenant, period: period)
                let presented = Present.byResourceType(summary.totals)
                return .ok(["tenant_id": .string(r.tenant), "period": .string(period.rawValue), "period_type": .string(period.rawValue), "period_start": Present.seconds(summary.periodStart),
                            "by_resource_type": presented.list, "totals": presented.totals])
            },
            Action("get_tenant_usage_trends", [.GET], .read, scope: .tenant, input: UsageTrendsInput.self,
                   summary: "The last N hourly, daily or monthly windows per resource type") { r, input in
                let period = input.period
                let points = try s.usage.trends(tenantId: r.tenant, period: period, limit: input.limit)
                return .ok(["tenant_id": .string(r.tenant), "period": .string(period.rawValue), "period_type": .string(period.rawValue), "data": .array(points.map { p in
                    ["period_start": Present.seconds(p.start), "resource_type": .string(p.resourceType.rawValue),
                     "event_count": .int(p.totals.eventCount), "total_quantity": .int(p.totals.totalQuantity)]
                })])
            },
            Action("aggregate_tenant_usage", [.POST], .superAdmin, scope: .optionalTenant, input: AggregateUsageInput.self,
                   summary: "Rebuild rollups from raw events (idempotent; dry_run only compares)") { r, input in
                let dryRun = input.dryRun
                let result = try s.usage.rebuildRollups(tenantId: r.tenantId, dryRun: dryRun, context: r.context)
                return .ok(["tenant_id": JSON(r.tenantId), "rows_rebuilt": .int(Int64(result.rows)),
                            "mismatches": .int(Int64(result.mismatches)), "dry_run": .bool(dryRun)])
            },
            Action("cleanup_usage", [.POST], .superAdmin, scope: .optionalTenant, input: CleanupUsageInput.self,
                   summary: "Delete raw events before a date; rollups keep the totals") { r, input in
                let before = input.before
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
