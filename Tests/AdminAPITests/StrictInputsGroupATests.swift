import Billing
import Foundation
import Support
import Testing

/// Issue 15 for the auth, tenant, user, API key, audit, job, notification and operator actions: an
/// undeclared parameter is refused by name with nothing written, every invalid field comes in one 400,
/// a notification is reached by id without `tenant_id`, and every list pages with `limit`, `offset`, `total`.
@Suite struct StrictInputsGroupATests {
    let server: TestServer
    let tenant: String
    let otherTenant: String
    let snapshotter: DatabaseSnapshotter

    init() throws {
        // No background writers: a snapshot of the database changes only when a request commits.
        server = try TestServer(configure: { $0.runsBackgroundTasks = false })
        tenant = try server.makeTenant("Group A Co")
        otherTenant = try server.makeTenant("Other Co")
        snapshotter = DatabaseSnapshotter(server.app.services.database)
    }

    func succeed(_ action: String, key: String? = nil, query: [String: String] = [:], body: JSON? = nil) throws -> JSON {
        let r = try server.call(action, key: key ?? server.superKey, query: query, body: body)
        guard (200...299).contains(r.status) else { throw TestClientError.io("\(action) → \(r.status) \(r.text)") }
        return r.data
    }

    /// The fields a 400 names.
    func fieldNames(_ r: TestResponse) -> Set<String> {
        Set(r.json["error"]?["fields"]?.objectValue?.keys.map { $0 } ?? [])
    }

    func makeNotification(tenant: String, subject: String = "Notice") throws -> String {
        try succeed("create_notification", body: ["tenant_id": .string(tenant), "type": "invoice_due", "subject": .string(subject),
                                                  "message": "Please pay"])["id"]?.stringValue ?? ""
    }

    // MARK: - Undeclared parameters

    /// One misspelled or invented parameter per action, sent with otherwise valid values.
    struct Misspelling {
        let action: String
        let unknown: String
        var query: [String: String] = [:]
        var body: JSONObject? = nil
        var authenticated = true
    }

    @Test func misspelledParameter_IsRefusedByName_AndNothingIsWritten() throws {
        let user = try succeed("create_user", body: ["tenant_id": .string(tenant), "email": "group.a@example.com", "password": "a long enough password"])
        let userId = user["id"]?.stringValue ?? ""
        let keyId = try succeed("generate_api_key", body: ["tenant_id": .string(tenant), "name": "app"])["id"]?.stringValue ?? ""
        let notification = try makeNotification(tenant: tenant)
        let alert = try server.app.services.database.write { conn in
            try OperatorAlertStore.raise(conn, kind: .gatewayEventHeld, subject: "Held", message: "A held event", tenantId: nil, invoiceId: nil,
                                         metadata: nil, dedupeKey: "group-a-alert", at: Date()) ?? ""
        }
        let t = JSON.string(tenant)
        let cases: [Misspelling] = [
            Misspelling(action: "login", unknown: "remember", body: ["email": "group.a@example.com", "password": "a long enough password", "remember": true],
                        authenticated: false),
            Misspelling(action: "logout", unknown: "everywhere", body: ["everywhere": true]),
            Misspelling(action: "current_user", unknown: "verbose", query: ["verbose": "1"]),
            Misspelling(action: "create_tenant", unknown: "billing_mail", body: ["name": "Typo Co", "billing_mail": "billing@typo.test"]),
            Misspelling(action: "update_tenant", unknown: "nmae", body: ["id": t, "nmae": "Renamed"]),
            Misspelling(action: "suspend_tenant", unknown: "reason", body: ["id": t, "reason": "late payment"]),
            Misspelling(action: "delete_tenant", unknown: "cascade", body: ["id": t, "cascade": true]),
            Misspelling(action: "get_tenant", unknown: "id", query: ["tenant_id": tenant, "id": otherTenant]),
            Misspelling(action: "list_tenants", unknown: "q", query: ["q": "Group"]),
            Misspelling(action: "create_user", unknown: "roles", body: ["tenant_id": t, "email": "new.user@example.com", "password": "a long enough password",
                                                                         "roles": "admin"]),
            Misspelling(action: "update_user", unknown: "tenant", body: ["tenant_id": t, "id": .string(userId), "tenant": .string(otherTenant)]),
            Misspelling(action: "delete_user", unknown: "user_id", body: ["tenant_id": t, "id": .string(userId), "user_id": .string(userId)]),
            Misspelling(action: "list_users", unknown: "limt", query: ["tenant_id": tenant, "limt": "1"]),
            Misspelling(action: "generate_api_key", unknown: "expires", body: ["tenant_id": t, "name": "typo", "expires": "2030-01-01T00:00:00Z"]),
            Misspelling(action: "revoke_api_key", unknown: "force", body: ["tenant_id": t, "id": .string(keyId), "force": true]),
            Misspelling(action: "list_api_keys", unknown: "include_revoked", query: ["tenant_id": tenant, "include_revoked": "false"]),
            Misspelling(action: "list_audit_events", unknown: "action_name", query: ["action_name": "create_user"]),
            Misspelling(action: "run_job", unknown: "dryrun", body: ["job": "check_quotas", "dryrun": true]),
            Misspelling(action: "list_job_runs", unknown: "jobs", query: ["jobs": "check_quotas"]),
            Misspelling(action: "list_notifications", unknown: "unread", query: ["tenant_id": tenant, "unread": "true"]),
            Misspelling(action: "get_unread_count", unknown: "type", query: ["tenant_id": tenant, "type": "invoice_due"]),
            Misspelling(action: "mark_notification_read", unknown: "read", body: ["id": .string(notification), "read": true]),
            Misspelling(action: "mark_all_notifications_read", unknown: "before", body: ["tenant_id": t, "before": "2030-01-01"]),
            Misspelling(action: "delete_notification", unknown: "hard", body: ["id": .string(notification), "hard": true]),
            Misspelling(action: "create_notification", unknown: "priorty", body: ["tenant_id": t, "type": "invoice_due", "subject": "Typo", "message": "m",
                                                                                   "priorty": "urgent"]),
            Misspelling(action: "list_operator_alerts", unknown: "status", query: ["status": "open"]),
            Misspelling(action: "resolve_operator_alert", unknown: "note", body: ["id": .string(alert), "resolution": "Checked", "note": "x"]),
        ]
        for c in cases {
            let before = try snapshotter.take()
            let r = try server.call(c.action, key: c.authenticated ? server.superKey : nil, query: c.query, body: c.body.map(JSON.object))
            #expect(r.status == 400 && r.errorCode == "unknown_parameter", "\(c.action) → \(r.status) \(r.text)")
            #expect(r.json["error"]?["fields"] == [c.unknown: "unknown parameter"], "\(c.action) → \(r.text)")
            #expect(try snapshotter.take().changedTables(since: before).isEmpty, "\(c.action) wrote although refused")
        }
    }

    @Test func namelessParameter_IsRefused_UnderAKeyThatNamesIt() throws {
        let query = try server.call("get_unread_count", key: server.superKey, query: ["tenant_id": tenant, "": "x"])
        #expect(query.status == 400 && query.json["error"]?["fields"] == ["(unnamed)": "unknown parameter"], "\(query.text)")
        let body = try server.call("mark_all_notifications_read", key: server.superKey, body: ["tenant_id": .string(tenant), "": 1])
        #expect(body.status == 400 && body.json["error"]?["fields"] == ["(unnamed)": "unknown parameter"], "\(body.text)")
    }

    @Test func tenantIdOnTenantManagement_IsTheOldNameOfId() throws {
        let suspended = try succeed("suspend_tenant", body: ["tenant_id": .string(otherTenant)])
        #expect(suspended["status"] == "suspended")
        let both = try server.call("activate_tenant", key: server.superKey, body: ["id": .string(otherTenant), "identifier": .string(otherTenant)])
        #expect(both.json["error"]?["fields"] == ["identifier": "unknown parameter"])
    }

    @Test func listOperatorAlerts_TakesTenantIdAsAFilter_NotAsAScope() throws {
        let r = try server.call("list_operator_alerts", key: server.superKey, query: ["tenant_id": "not-a-uuid"])
        #expect(r.json["error"]?["fields"] == ["tenant_id": "must be a UUID"])
        #expect(try succeed("list_operator_alerts", query: ["tenant_id": tenant])["total"] == 0)
    }

    // MARK: - Every invalid field in one 400

    @Test func createUser_NamesEveryInvalidField_InOne400() throws {
        let before = try snapshotter.take()
        let r = try server.call("create_user", key: server.superKey, body: [
            "tenant_id": .string(tenant), "email": 7, "role": "owner", "name": .string(String(repeating: "n", count: User.maxNameLength + 1)),
            "nick": "ana",
        ])
        #expect(r.status == 400 && r.errorCode == "validation_failed")
        #expect(r.json["error"]?["fields"] == [
            "email": "must be a string, got an integer", "password": "is required", "role": "must be one of service, viewer, admin, billing, super-admin",
            "name": .string("must be at most \(User.maxNameLength) characters"), "nick": "unknown parameter",
        ])
        #expect(try snapshotter.take().changedTables(since: before).isEmpty)
    }

    @Test func createNotification_NamesEveryInvalidField_IncludingTheMetadataLimit() throws {
        let before = try snapshotter.take()
        let bulky = JSON.object(["blob": .string(String(repeating: "x", count: NotificationDraft.maxMetadataBytes))])
        let r = try server.call("create_notification", key: server.superKey, body: [
            "tenant_id": .string(tenant), "subject": "", "message": .string(String(repeating: "m", count: NotificationDraft.maxMessageLength + 1)),
            "priority": "whenever", "metadata": bulky,
        ])
        #expect(r.status == 400)
        #expect(r.json["error"]?["fields"] == [
            "type": "is required", "subject": "must not be empty", "message": .string("must be at most \(NotificationDraft.maxMessageLength) characters"),
            "priority": "must be one of low, normal, high, urgent", "metadata": "must be at most 8 KiB of JSON",
        ])
        #expect(try snapshotter.take().changedTables(since: before).isEmpty)
    }

    @Test func listQueries_NameEveryInvalidField_InOne400() throws {
        let notifications = try server.call("list_notifications", key: server.superKey,
                                            query: ["tenant_id": tenant, "limit": "201", "offset": "-1", "unread_only": "maybe", "type": "spam"])
        #expect(fieldNames(notifications) == ["limit", "offset", "unread_only", "type"])
        let audit = try server.call("list_audit_events", key: server.superKey, query: ["start_date": "yesterday", "limit": "0", "actor": "system"])
        #expect(audit.json["error"]?["fields"] == [
            "start_date": "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp", "limit": "must be between 1 and 500", "actor": "unknown parameter",
        ])
        let runs = try server.call("list_job_runs", key: server.superKey, query: ["job": "check_quota", "offset": "x"])
        #expect(fieldNames(runs) == ["job", "offset"])
    }

    @Test func runJob_RefusesAnUnknownJob_AndAnInvalidNow_Together() throws {
        let r = try server.call("run_job", key: server.superKey, body: ["job": "send_invoices", "now": "tomorrow", "dry_run": "yes"])
        #expect(fieldNames(r) == ["job", "now", "dry_run"])
        #expect(try succeed("list_job_runs")["total"] == 0)
    }

    // MARK: - Objects by id

    @Test func notificationById_AsSuperAdmin_NeedsNoTenantId_AndAnotherTenantsIdIs404() throws {
        let id = try makeNotification(tenant: tenant)
        let wrongTenant = try server.call("mark_notification_read", key: server.superKey, body: ["id": .string(id), "tenant_id": .string(otherTenant)])
        #expect(wrongTenant.status == 404)
        #expect(try succeed("get_unread_count", query: ["tenant_id": tenant])["count"] == 1)
        let read = try succeed("mark_notification_read", body: ["id": .string(id)])
        #expect(read["read"] == true && read["tenant_id"] == .string(tenant))
        let readAgain = try succeed("mark_notification_read", body: ["id": .string(id), "tenant_id": .string(tenant)])
        #expect(readAgain["read_at"] == read["read_at"])

        let keep = try server.call("delete_notification", key: server.superKey, body: ["id": .string(id), "tenant_id": .string(otherTenant)])
        #expect(keep.status == 404)
        #expect(try succeed("delete_notification", body: ["id": .string(id)]) == ["id": .string(id), "deleted": true])
        let gone = try server.call("delete_notification", key: server.superKey, body: ["id": .string(id)])
        #expect(gone.status == 404 && gone.json["error"]?["message"] == "notification not found")
    }

    @Test func notificationById_AsTenantAdmin_IsItsOwnTenantsOnly() throws {
        let admin = try server.makeKey(role: "admin", tenant: tenant)
        let theirs = try makeNotification(tenant: otherTenant)
        #expect(try server.call("mark_notification_read", key: admin, body: ["id": .string(theirs)]).status == 404)
        #expect(try server.call("delete_notification", key: admin, body: ["id": .string(theirs)]).status == 404)
        #expect(try succeed("get_unread_count", query: ["tenant_id": otherTenant])["count"] == 1)
        let mine = try makeNotification(tenant: tenant)
        #expect(try succeed("delete_notification", key: admin, body: ["id": .string(mine)])["deleted"] == true)
    }

    @Test func keysAndUsersById_StayOptionalTenant_ForASuperAdmin() throws {
        let keyId = try succeed("generate_api_key", body: ["tenant_id": .string(tenant), "name": "app"])["id"]?.stringValue ?? ""
        let wrongTenant = try server.call("revoke_api_key", key: server.superKey, body: ["id": .string(keyId), "tenant_id": .string(otherTenant)])
        #expect(wrongTenant.status == 404)
        #expect(try succeed("revoke_api_key", body: ["id": .string(keyId)])["revoked"] == true)
        let userId = try succeed("create_user", body: ["tenant_id": .string(tenant), "email": "by.id@example.com", "password": "a long enough password"])["id"]
        #expect(try succeed("update_user", body: ["id": userId ?? .null, "name": "Renamed"])["name"] == "Renamed")
        #expect(try succeed("update_user", body: ["id": userId ?? .null, "name": nil])["name"] == .null)
    }

    // MARK: - One shape for lists

    /// Pages of 2 over `count` items: the first two, then the rest, never the same item twice.
    func expectPages(_ action: String, query: [String: String] = [:], count: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let first = try succeed(action, query: query.merging(["limit": "2"]) { $1 })
        #expect(first["total"] == .int(Int64(count)) && first["limit"] == 2 && first["offset"] == 0, "\(action): \(first)", sourceLocation: sourceLocation)
        let rest = try succeed(action, query: query.merging(["limit": "2", "offset": "2"]) { $1 })
        #expect(rest["total"] == .int(Int64(count)) && rest["offset"] == 2, "\(action): \(rest)", sourceLocation: sourceLocation)
        let firstIds = first["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        let restIds = rest["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(firstIds.count == 2 && restIds.count == min(2, count - 2), "\(action): \(firstIds) then \(restIds)", sourceLocation: sourceLocation)
        #expect(Set(firstIds).isDisjoint(with: restIds), "\(action) repeated an item across pages", sourceLocation: sourceLocation)
        let everything = try succeed(action, query: query)
        #expect(everything["items"]?.arrayValue?.count == count, "\(action) without limit", sourceLocation: sourceLocation)
        let past = try succeed(action, query: query.merging(["offset": String(count)]) { $1 })
        #expect(past["items"] == [] && past["total"] == .int(Int64(count)), "\(action) past the end", sourceLocation: sourceLocation)
    }

    @Test func everyList_PagesWithLimitOffsetAndTotal() throws {
        for i in 0..<3 { _ = try server.makeTenant("Paged \(i)") }
        try expectPages("list_tenants", query: ["search": "Paged"], count: 3)

        for i in 0..<3 {
            _ = try succeed("create_user", body: ["tenant_id": .string(tenant), "email": .string("paged.\(i)@example.com"), "password": "a long enough password"])
        }
        try expectPages("list_users", query: ["tenant_id": tenant], count: 3)
        let users = try succeed("list_users", query: ["tenant_id": tenant])["items"]?.arrayValue?.compactMap { $0["email"]?.stringValue }
        #expect(users == ["paged.0@example.com", "paged.1@example.com", "paged.2@example.com"])

        for i in 0..<3 { _ = try succeed("generate_api_key", body: ["tenant_id": .string(tenant), "name": .string("paged key \(i)")]) }
        try expectPages("list_api_keys", query: ["tenant_id": tenant], count: 3)
        let keys = try succeed("list_api_keys", query: ["tenant_id": tenant])["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(keys == ["paged key 2", "paged key 1", "paged key 0"], "newest first")

        try expectPages("list_audit_events", query: ["tenant_id": tenant, "event_action": "create_user"], count: 3)

        for i in 0..<5 { _ = try makeNotification(tenant: tenant, subject: "Paged \(i)") }
        try expectPages("list_notifications", query: ["tenant_id": tenant], count: 5)

        for _ in 0..<3 { _ = try succeed("run_job", body: ["job": "check_quotas", "dry_run": true]) }
        _ = try succeed("run_job", body: ["job": "mark_overdue", "dry_run": true])
        try expectPages("list_job_runs", query: ["job": "check_quotas"], count: 3)
        #expect(try succeed("list_job_runs")["total"] == 4)

        let tenant = self.tenant
        try server.app.services.database.write { conn in
            for i in 0..<3 {
                _ = try OperatorAlertStore.raise(conn, kind: .gatewayChargeMismatch, subject: "Mismatch \(i)", message: "m", tenantId: tenant,
                                                 invoiceId: nil, metadata: nil, dedupeKey: "paged-\(i)", at: Date())
            }
        }
        try expectPages("list_operator_alerts", query: ["tenant_id": tenant, "open": "true"], count: 3)
    }

    @Test func listLimits_AreBoundedPerList() throws {
        for (action, max) in [("list_users", 500), ("list_api_keys", 500), ("list_job_runs", 500), ("list_notifications", 200)] {
            var query = ["limit": String(max + 1)]
            if action != "list_job_runs" { query["tenant_id"] = tenant }
            let r = try server.call(action, key: server.superKey, query: query)
            #expect(r.json["error"]?["fields"] == ["limit": .string("must be between 1 and \(max)")], "\(action)")
        }
        #expect(try succeed("list_job_runs")["limit"] == 50)
        #expect(try succeed("list_notifications", query: ["tenant_id": tenant])["limit"] == 50)
        #expect(try succeed("list_users", query: ["tenant_id": tenant])["limit"] == 100)
    }
}
