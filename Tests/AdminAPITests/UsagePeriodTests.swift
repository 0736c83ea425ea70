import Billing
import Foundation
import PropertyTestSupport
import Support
import Testing

/// Calendar windows, reset times, time zones, and the exactness of range queries (clock injected, no sleeping).
@Suite(.serialized) struct UsagePeriodTests {
    static func at(_ text: String) -> Date { RFC3339.parse(text)! }

    @Test func dailyWindows_SplitAtMidnight_AndResetsAtIsTheNextDay() throws {
        let clock = ManualClock(Self.at("2026-11-25T23:59:59.999Z"))
        let server = try TestServer(clock: clock)
        let tenant = try server.makeTenant("Clock Co")
        try server.call("set_quota", key: server.superKey, body: ["tenant_id": .string(tenant), "resource_type": "message", "period": "daily", "limit_value": 10])
        try server.call("log_usage", key: server.superKey, body: ["tenant_id": .string(tenant), "resource_type": "message"])
        clock.set(Self.at("2026-11-26T00:00:00Z"))
        try server.call("log_usage", key: server.superKey, body: ["tenant_id": .string(tenant), "resource_type": "message"])
        let days = try server.app.services.database.read { conn in
            try conn.query("SELECT period_start, total_quantity FROM tenant_usage WHERE period_type = 'daily' ORDER BY period_start")
        }
        #expect(days.count == 2)
        #expect(days.map { $0.int("total_quantity") } == [1, 1])
        let check = try server.call("check_quota", key: server.superKey, query: ["tenant_id": tenant, "resource_type": "message", "period": "daily"])
        #expect(check.data["current"] == 1)
        #expect(check.data["period_start"] == "2026-11-26T00:00:00Z")
        #expect(check.data["resets_at"] == "2026-11-27T00:00:00Z")
    }

    @Test func retryAfterTheLateWindow_IsStillADuplicate_NotA400() throws {
        let clock = ManualClock(Self.at("2026-11-25T10:00:00Z"))
        let server = try TestServer(clock: clock)
        let tenant = try server.makeTenant("Retry Co")
        let body: JSON = ["tenant_id": .string(tenant), "resource_type": "message", "idempotency_key": "late-1", "occurred_at": "2026-11-25T09:59:00Z"]
        #expect(try server.call("log_usage", key: server.superKey, body: body).status == 201)
        clock.advance(by: 3 * 3600)
        let retry = try server.call("log_usage", key: server.superKey, body: body)
        #expect(retry.status == 200)
        #expect(retry.data["duplicate"] == true)
        var fresh = body.objectValue!
        fresh["idempotency_key"] = "late-2"
        let late = try server.call("log_usage", key: server.superKey, body: .object(fresh))
        #expect(late.status == 400)
        #expect(late.json["error"]?["fields"]?["occurred_at"] != nil)
    }

    @Test func monthlyWindow_RollsOnTheFirst_AndHourlyResetsNextHour() throws {
        let clock = ManualClock(Self.at("2026-12-31T23:30:00Z"))
        let server = try TestServer(clock: clock)
        let tenant = try server.makeTenant("Month Co")
        let monthly = try server.call("check_quota", key: server.superKey, query: ["tenant_id": tenant, "resource_type": "message", "period": "monthly"])
        #expect(monthly.data["period_start"] == "2026-12-01T00:00:00Z")
        #expect(monthly.data["resets_at"] == "2027-01-01T00:00:00Z")
        let hourly = try server.call("check_quota", key: server.superKey, query: ["tenant_id": tenant, "resource_type": "message", "period": "hourly"])
        #expect(hourly.data["resets_at"] == "2027-01-01T00:00:00Z")
        let total = try server.call("check_quota", key: server.superKey, query: ["tenant_id": tenant, "resource_type": "message", "period": "total"])
        #expect(total.data["resets_at"] == .null)
    }

    @Test func saoPauloTimeZone_MovesTheDayBoundaryTo0300Z() throws {
        let clock = ManualClock(Self.at("2026-11-26T02:59:59Z"))
        let server = try TestServer(configure: { $0.billing.calendar = BillingCalendar(timeZone: TimeZone(identifier: "America/Sao_Paulo")!) }, clock: clock)
        let tenant = try server.makeTenant("Brasil Co")
        let before = try server.call("check_quota", key: server.superKey, query: ["tenant_id": tenant, "resource_type": "message", "period": "daily"])
        #expect(before.data["period_start"] == "2026-11-25T03:00:00Z")
        #expect(before.data["resets_at"] == "2026-11-26T03:00:00Z")
        clock.set(Self.at("2026-11-26T03:00:00Z"))
        let after = try server.call("check_quota", key: server.superKey, query: ["tenant_id": tenant, "resource_type": "message", "period": "daily"])
        #expect(after.data["period_start"] == "2026-11-26T03:00:00Z")
        let month = try server.call("check_quota", key: server.superKey, query: ["tenant_id": tenant, "resource_type": "message", "period": "monthly"])
        #expect(month.data["period_start"] == "2026-11-01T03:00:00Z")
    }

    @Test func calendar_HandlesDSTZones() {
        // New York: 2026-03-08 is 23 hours long, 2026-11-01 is 25 hours long.
        let ny = BillingCalendar(timeZone: TimeZone(identifier: "America/New_York")!)
        let march8 = Int64(Self.at("2026-03-08T12:00:00Z").timeIntervalSince1970)
        let start = ny.periodStart(.daily, containing: march8)
        #expect(start == Int64(Self.at("2026-03-08T05:00:00Z").timeIntervalSince1970))
        #expect(ny.periodEnd(.daily, startingAt: start)! - start == 23 * 3600)
        let nov1 = ny.periodStart(.daily, containing: Int64(Self.at("2026-11-01T12:00:00Z").timeIntervalSince1970))
        #expect(ny.periodEnd(.daily, startingAt: nov1)! - nov1 == 25 * 3600)
    }

    @Test func stats_EqualBruteForce_ForRandomRangesOver40Days() throws {
        let start = Self.at("2026-10-01T00:00:00Z")
        let clock = ManualClock(start)
        let server = try TestServer(clock: clock)
        let tenant = try server.makeTenant("Random Co")
        var generator = SeededGenerator(seed: 42)
        var events: [(at: Int64, type: String, quantity: Int64)] = []
        var t = start.timeIntervalSince1970
        let types = ["message", "completion", "embedding"]
        var batch: [JSON] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            let r = try server.call("log_usage_batch", key: server.superKey, body: ["tenant_id": .string(tenant), "events": .array(batch)])
            #expect(r.status == 201)
            batch.removeAll()
        }
        while t < start.timeIntervalSince1970 + 40 * 86400 {
            t += Double(Int.random(in: 60...14_000, using: &generator)) + Double(Int.random(in: 0...999, using: &generator)) / 1000
            if Date(timeIntervalSince1970: t).timeIntervalSince(clock.now()) > 200 {
                try flush()
                clock.set(Date(timeIntervalSince1970: t))
            }
            let type = types[Int.random(in: 0..<3, using: &generator)]
            let q = Int64.random(in: 1...20, using: &generator)
            let ms = Int64((t * 1000).rounded(.down))
            events.append((ms, type, q))
            batch.append(["resource_type": .string(type), "quantity": .int(q), "occurred_at": .string(StoredTime.format(Date(timeIntervalSince1970: Double(ms) / 1000)))])
        }
        try flush()
        #expect(events.count > 300)
        let end = Int64(t * 1000) + 1
        for _ in 0..<40 {
            let a = Int64.random(in: events[0].at...end, using: &generator)
            let b = Int64.random(in: a...end, using: &generator)
            let type = Bool.random(using: &generator) ? types[Int.random(in: 0..<3, using: &generator)] : nil
            let expected = events.filter { $0.at >= a && $0.at < b && (type == nil || $0.type == type) }
            var query = ["tenant_id": tenant, "start_date": StoredTime.format(Date(timeIntervalSince1970: Double(a) / 1000)),
                         "end_date": StoredTime.format(Date(timeIntervalSince1970: Double(b) / 1000))]
            if let type { query["resource_type"] = type }
            let r = try server.call("get_usage_stats", key: server.superKey, query: query)
            if a == b {
                #expect(r.status == 400)
                continue
            }
            #expect(r.data["totals"]?["total_events"]?.intValue == Int64(expected.count), "range \(a)..<\(b) \(type ?? "all")")
            #expect(r.data["totals"]?["total_quantity"]?.intValue == expected.reduce(0) { $0 + $1.quantity })
        }
        // A date-only end_date includes that whole day.
        let day = events.filter { $0.at >= Int64(Self.at("2026-10-10T00:00:00Z").timeIntervalSince1970 * 1000) && $0.at < Int64(Self.at("2026-10-11T00:00:00Z").timeIntervalSince1970 * 1000) }
        let oneDay = try server.call("get_usage_stats", key: server.superKey, query: ["tenant_id": tenant, "start_date": "2026-10-10", "end_date": "2026-10-10"])
        #expect(oneDay.data["totals"]?["total_events"]?.intValue == Int64(day.count))

        // Daily time series sums match, with zero-filled days.
        let series = try server.call("get_usage_timeseries", key: server.superKey,
                                     query: ["tenant_id": tenant, "start_date": "2026-10-01", "end_date": "2026-10-31", "interval": "day", "fill_zeros": "true"])
        let points = series.data["data"]?.arrayValue ?? []
        #expect(points.count == 31 * 8)
        let october = events.filter { $0.at < Int64(Self.at("2026-11-01T00:00:00Z").timeIntervalSince1970 * 1000) }
        #expect(points.reduce(0) { $0 + ($1["total_quantity"]?.intValue ?? 0) } == october.reduce(0) { $0 + $1.quantity })
        let weekly = try server.call("get_usage_timeseries", key: server.superKey, query: ["tenant_id": tenant, "start_date": "2026-10-01", "end_date": "2026-10-31", "interval": "week"])
        #expect(weekly.data["data"]?.arrayValue?.first?["date"] == "2026-09-28", "weeks start on Monday")
        #expect((weekly.data["data"]?.arrayValue ?? []).reduce(0) { $0 + ($1["total_quantity"]?.intValue ?? 0) } == october.reduce(0) { $0 + $1.quantity })

        // Rebuilding the rollups from raw events changes nothing; cleanup keeps the totals.
        let dry = try server.call("aggregate_tenant_usage", key: server.superKey, body: ["tenant_id": .string(tenant), "dry_run": true])
        #expect(dry.data["mismatches"] == 0)
        let totalBefore = try server.call("get_tenant_usage_summary", key: server.superKey, query: ["tenant_id": tenant, "period_type": "total"]).data["totals"]
        let cleaned = try server.call("cleanup_usage", key: server.superKey, body: ["tenant_id": .string(tenant), "before": "2026-10-20"])
        #expect((cleaned.data["deleted"]?.intValue ?? 0) > 0)
        let rebuilt = try server.call("aggregate_tenant_usage", key: server.superKey, body: ["tenant_id": .string(tenant)])
        #expect(rebuilt.status == 200)
        #expect(try server.call("get_tenant_usage_summary", key: server.superKey, query: ["tenant_id": tenant, "period_type": "total"]).data["totals"] == totalBefore)
        let monthStats = try server.call("get_usage_stats", key: server.superKey, query: ["tenant_id": tenant, "start_date": "2026-10-01", "end_date": "2026-10-31"])
        #expect(monthStats.data["totals"]?["total_quantity"]?.intValue == october.reduce(0) { $0 + $1.quantity }, "whole hours come from rollups after cleanup")
    }

    @Test func listAndExport_PageNewestFirst_WithCursor() throws {
        let server = try TestServer()
        let tenant = try server.makeTenant("List Co")
        var events: [JSON] = []
        for i in 0..<25 {
            events.append(["resource_type": "message", "resource_id": .string("conv-\(i % 3)"), "metadata": ["i": .int(Int64(i)), "note": "<b>x</b>, \"q\""],
                           "occurred_at": .string(StoredTime.format(Date().addingTimeInterval(Double(i) - 100)))])
        }
        try server.call("log_usage_batch", key: server.superKey, body: ["tenant_id": .string(tenant), "events": .array(events)])
        var seen: [String] = []
        var cursor: String?
        repeat {
            var q = ["tenant_id": tenant, "limit": "10"]
            if let cursor { q["cursor"] = cursor }
            let page = try server.call("list_usage_events", key: server.superKey, query: q)
            let items = page.data["items"]?.arrayValue ?? []
            seen += items.compactMap { $0["occurred_at"]?.stringValue }
            #expect(items.first?["metadata"]?["i"] != nil, "metadata is decoded")
            cursor = page.data["next_cursor"]?.stringValue
        } while cursor != nil
        #expect(seen.count == 25)
        #expect(seen == seen.sorted(by: >))
        let filtered = try server.call("list_usage_events", key: server.superKey, query: ["tenant_id": tenant, "resource_id": "conv-1"])
        #expect(filtered.data["items"]?.arrayValue?.count == 8)
        #expect(try server.call("list_usage_events", key: server.superKey, query: ["tenant_id": tenant, "cursor": "garbage"]).status == 400)
        #expect(try server.call("list_usage_events", key: server.superKey, query: ["tenant_id": tenant, "limit": "501"]).status == 400)

        let csv = try server.call("export_usage", key: server.superKey, query: ["tenant_id": tenant])
        #expect(csv.status == 200)
        #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
        let lines = csv.text.split(separator: "\r\n")
        #expect(lines.first == "id,occurred_at,resource_type,quantity,resource_id,idempotency_key,metadata")
        #expect(lines.count == 26)
        #expect(csv.text.contains("\"{\"\"i\"\":"), "JSON metadata is one quoted CSV field with doubled quotes")
    }

    /// Issue 20: `"\r\n"` and U+0600 + `,` are single `Character`s, so a `Character` search for CR, LF
    /// or `,` missed them: the first value started a new row with `=1+cmd…`, the second hid its commas
    /// and gave an extra `=2+2` cell. Python's `csv` must read exactly the rows and cells logged, with
    /// the text cells that start like formulas behind a `'` and the quantity still a number.
    @Test func export_KeepsEveryValueInItsCell_AndNeutralisesFormulas() throws {
        let server = try TestServer()
        let tenant = try server.makeTenant("CSV Co")
        let logged: [(resourceId: String, key: String, metadata: JSONObject, cells: (resourceId: String, key: String))] = [
            ("conv-2\r\n=1+cmd|' /C calc'!A0", "k1", ["note": "plain"], ("conv-2\r\n=1+cmd|' /C calc'!A0", "k1")),
            ("a\u{0600},=2+2\u{0600},x", "=HYPERLINK(\"https://evil.example\")", ["note": "-1+1\r\n@x"],
             ("a\u{0600},=2+2\u{0600},x", "'=HYPERLINK(\"https://evil.example\")")),
            ("\u{0600}=2+2", " @SUM(A1)", ["q": "\"\u{0600},"], ("'\u{0600}=2+2", "' @SUM(A1)")),
            ("-1", "+\r\n", ["n": 1], ("'-1", "'+\r\n")),
        ]
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 60).rounded(.down))  // inside the late window
        let occurredAt = { (i: Int) in StoredTime.format(start.addingTimeInterval(Double(i))) }
        let events: [JSON] = logged.enumerated().map { i, e in
            ["resource_type": "message", "quantity": .int(Int64(i + 1)), "resource_id": .string(e.resourceId), "idempotency_key": .string(e.key),
             "metadata": .object(e.metadata), "occurred_at": .string(occurredAt(i))]
        }
        let batch = try server.call("log_usage_batch", key: server.superKey, body: ["tenant_id": .string(tenant), "events": .array(events)])
        #expect(batch.status == 201, "\(batch.text)")
        let ids = batch.data["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(ids.count == logged.count)

        let csv = try server.call("export_usage", key: server.superKey, query: ["tenant_id": tenant])
        #expect(csv.status == 200)
        var expected = [["id", "occurred_at", "resource_type", "quantity", "resource_id", "idempotency_key", "metadata"]]
        for (i, e) in logged.enumerated().reversed() {  // newest first
            expected.append([ids.count > i ? ids[i] : "?", occurredAt(i), "message", String(i + 1), e.cells.resourceId, e.cells.key,
                             JSON.object(e.metadata).serializedString()])
        }
        let failures = try Self.csvOracle.failures([[csv.text, String(expected[0].count)] + expected.flatMap { $0 }])
        #expect(failures.count == 0, "\(failures.first ?? "")")
    }

    /// Python's `csv` over a whole export: its rows must be exactly the expected cells, given as
    /// `width` followed by the cells of every row in order.
    static let csvOracle = PythonOracle(script: PythonOracle.prelude + """
        import csv, io

        for text, width, *cells in cases():
            width = int(width)
            expected = [cells[i:i + width] for i in range(0, len(cells), width)]
            rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
            print("ok" if rows == expected else "fail " + ascii(rows)[:600])
        """)
}
