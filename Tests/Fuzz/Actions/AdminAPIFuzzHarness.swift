import AdminAPI
import Foundation
import HTTP
import Support

/// Feeds fuzzer bytes to the Admin API of a real `Application` (real action table, services and SQLite
/// database, migrated and seeded afresh every `inputsPerDatabase` inputs) and checks what every answer must satisfy.
///
/// Input layout (see `FuzzRequest`): byte 0 picks the action, byte 1 the method, the credentials and the
/// content type, and the rest is `query suffix 0xFF body` (no 0xFF: all body). `$T`, `$O`, `$U` and `$K`
/// in the query or body stand for the caller's tenant id, another tenant's id, a user id and a key id,
/// which the fuzzer could never guess.
///
/// Invariants: no 5xx except 501 and the 503s of features this server has switched off; a 400 is either
/// `validation_failed` or `unknown_parameter` naming its fields or one of the request-level codes; every JSON body parses, errors
/// carry `error.code` and the matching `error.status`, successes carry `data`; every CSV body satisfies
/// `CSVExportInvariant`.
final class AdminAPIFuzzHarness: @unchecked Sendable {
    /// The one instance of the process (libFuzzer calls the target on one thread).
    static let shared: AdminAPIFuzzHarness = {
        do { return try AdminAPIFuzzHarness() } catch { fatalError("fuzz harness setup failed: \(error)") }
    }()

    static let superAdminKey = "bsk_fuzz_super_admin_key_0123456789abcdef"
    static let userEmail = "fuzz@example.com"
    static let userPassword = "fuzz-password-1"
    /// 503 codes of features deliberately off in this harness's configuration (no Asaas, no webhook transport).
    static let honest503Codes: Set<String> = ["gateway_disabled", "webhooks_disabled"]
    /// 400 codes about the request as a whole, where no single field is to blame.
    static let requestLevel400Codes: Set<String> = ["invalid_json", "missing_action", "unknown_action"]
    /// Actions whose success can break the fixture (a suspended tenant, a revoked key, a changed user).
    static let fixtureBreakingActions: Set<String> = ["delete_tenant", "suspend_tenant", "update_tenant", "revoke_api_key",
                                                       "delete_user", "update_user"]

    nonisolated(unsafe) static var directoryToRemoveAtExit: String?
    /// The server's last error log line, shown with a failure (a 500 body says only "it has been logged").
    static let lastLogLine = LockedValue("")
    /// `FUZZ_ACTIONS_VERBOSE=1` prints each request and its status (for reading what a corpus exercises).
    static let verbose = ProcessInfo.processInfo.environment["FUZZ_ACTIONS_VERBOSE"] != nil

    /// Inputs run against one database before it is replaced by a fresh one: lists without paging
    /// (keys, users) grow with every key and user the fuzzer creates, and would slow each input down.
    static let inputsPerDatabase = 5_000

    private var world: World
    private var inputsOnThisDatabase = 0
    /// Sorted, so an input keeps its action when actions are registered in another order.
    let actionNames: [String]

    init() throws {
        world = try World()
        actionNames = world.application.table.names.sorted()
        atexit { AdminAPIFuzzHarness.directoryToRemoveAtExit.map { try? FileManager.default.removeItem(atPath: $0) } }
    }

    /// Runs one input; a broken invariant is a fatal error (libFuzzer saves the input).
    func run(_ bytes: [UInt8]) {
        inputsOnThisDatabase += 1
        if inputsOnThisDatabase > Self.inputsPerDatabase {
            inputsOnThisDatabase = 1
            world.close()
            do { world = try World() } catch { fatalError("fuzz harness setup failed: \(error)") }
        }
        guard let request = FuzzRequest(bytes, actionNames: actionNames, fixture: world.fixture) else { return }
        let response = world.responder.respond(to: request.http).waitingForDeferred()
        let body = Self.collect(response.body)
        if Self.verbose {
            print(request.http.method.rawValue, request.http.target, response.status.code, String(decoding: body.prefix(300), as: UTF8.self))
        }
        Self.check(response, body: body, request: request)
        if (200..<300).contains(response.status.code), let name = request.action, Self.fixtureBreakingActions.contains(name) {
            do { world.fixture = try world.makeFixture() } catch { fatalError("rebuilding the fuzz fixture failed: \(error)") }
        }
    }

    static func check(_ response: HTTPResponse, body: [UInt8], request: FuzzRequest) {
        let status = response.status.code
        func fail(_ why: String) -> Never {
            fatalError("""
                \(why): \(request.http.method.rawValue) \(request.http.target) \(String(decoding: request.http.body.prefix(2000), as: UTF8.self))
                → \(status) \(String(decoding: body.prefix(2000), as: UTF8.self))
                last log line: \(lastLogLine.get())
                """)
        }
        let contentType = response.headers["Content-Type"] ?? ""
        if contentType.hasPrefix("text/csv"), let why = CSVExportInvariant.violation(body) { fail(why) }
        guard contentType.hasPrefix("application/json") else {
            if status >= 300 { fail("an error answered with \(contentType)") }
            return
        }
        guard let json = try? JSON.parse(body) else { fail("the body is not valid JSON") }
        if status < 300 {
            if json["data"] == nil { fail("a success without data") }
            return
        }
        guard let code = json["error"]?["code"]?.stringValue, !code.isEmpty else { fail("an error without error.code") }
        if json["error"]?["status"]?.intValue != Int64(status) { fail("error.status differs from the HTTP status") }
        switch status {
        case 400:
            // unknown_parameter is a validation_failed whose every field is an undeclared name (issue 15): it names them too.
            if code == "validation_failed" || code == "unknown_parameter" {
                guard let fields = json["error"]?["fields"]?.objectValue, fields.count > 0, fields.keys.allSatisfy({ !$0.isEmpty }) else {
                    fail("a \(code) that names no field")
                }
            } else if !requestLevel400Codes.contains(code) {
                fail("a 400 that is neither validation_failed nor a request-level code")
            }
        case 501:
            break
        case 503 where honest503Codes.contains(code):
            break
        case 500...:
            fail("a server error")
        default:
            break
        }
    }

    /// The whole body, streamed bodies included (export_usage writes CSV through a closure).
    static func collect(_ body: HTTPBody) -> [UInt8] {
        switch body {
        case .bytes(let bytes):
            return bytes
        case .stream(let produce):
            let sink = ByteSink()
            do { try produce { sink.bytes += $0 } } catch { fatalError("a streamed body failed: \(error)") }
            return sink.bytes
        }
    }
}

/// An `Application` over a fresh database in a temporary directory, with its fixture.
final class World {
    let application: Application
    let responder: AdminResponder
    let directory: URL
    var fixture = Fixture(tenant: "", otherTenant: "", adminKey: "", viewerKey: "", viewerKeyId: "", otherAdminKey: "", userId: "")

    init() throws {
        // tmpfs when there is one: the product's synchronous=FULL then costs no disk flush per write.
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        directory = base.appendingPathComponent("billing-fuzz-\(getpid())-\(UUIDv7.random())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        AdminAPIFuzzHarness.directoryToRemoveAtExit = directory.path
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        var settings = ApplicationSettings()
        settings.databasePath = directory.appendingPathComponent("billing.sqlite").path
        settings.migrationsDirectory = repository.appendingPathComponent("migrations").path
        settings.publicDirectory = repository.appendingPathComponent("public").path
        settings.adminAPIKey = AdminAPIFuzzHarness.superAdminKey
        settings.billing.passwordIterations = 1000
        settings.billing.paymentDataKey = Data(repeating: 7, count: 32).base64EncodedString()
        let logger = Logger(level: .error) { line in AdminAPIFuzzHarness.lastLogLine.set(line) }
        application = try Application(settings: settings, logger: logger)
        responder = AdminResponder(table: application.table, services: application.services, logger: logger)
        fixture = try makeFixture()
    }

    func close() {
        application.services.database.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Two tenants, an admin and a viewer key in the first, an admin key in the second, and a user who can log in.
    func makeFixture() throws -> Fixture {
        let superAdmin = ("Authorization", "Bearer \(AdminAPIFuzzHarness.superAdminKey)")
        func call(_ action: String, _ body: JSON) throws -> JSON {
            let request = HTTPRequest(method: .POST, target: "/admin-api?action=\(action)",
                                      headers: HTTPHeaders([superAdmin, ("Content-Type", "application/json")]), body: body.serialized(),
                                      requestId: "fuzz-setup")
            let response = responder.respond(to: request).waitingForDeferred()
            let answer = (try? JSON.parse(AdminAPIFuzzHarness.collect(response.body))) ?? .null
            guard (200..<300).contains(response.status.code), let data = answer["data"] else {
                throw FixtureError(message: "\(action) answered \(response.status.code) \(answer.serialized().count) bytes: \(String(decoding: answer.serialized(), as: UTF8.self))")
            }
            return data
        }
        func id(_ json: JSON, _ key: String = "id") throws -> String {
            guard let value = json[key]?.stringValue else { throw FixtureError(message: "no \(key) in \(String(decoding: json.serialized(), as: UTF8.self))") }
            return value
        }
        let suffix = UUIDv7.random().prefix(8)
        let tenant = try id(call("create_tenant", ["name": .string("fuzz tenant \(suffix)")]))
        let otherTenant = try id(call("create_tenant", ["name": .string("fuzz other tenant \(suffix)")]))
        let adminKey = try id(call("generate_api_key", ["name": "fuzz admin", "role": "admin", "tenant_id": .string(tenant)]), "key")
        let viewer = try call("generate_api_key", ["name": "fuzz viewer", "role": "viewer", "tenant_id": .string(tenant)])
        let otherAdminKey = try id(call("generate_api_key", ["name": "fuzz other admin", "role": "admin", "tenant_id": .string(otherTenant)]), "key")
        let user = try call("create_user", ["email": .string("\(suffix)-\(AdminAPIFuzzHarness.userEmail)"), "password": .string(AdminAPIFuzzHarness.userPassword),
                                            "role": "admin", "tenant_id": .string(tenant)])
        return Fixture(tenant: tenant, otherTenant: otherTenant, adminKey: adminKey, viewerKey: try id(viewer, "key"),
                       viewerKeyId: try id(viewer), otherAdminKey: otherAdminKey, userId: try id(user))
    }
}

/// Ids and secrets the fuzzer reaches through placeholders and credential choices.
struct Fixture {
    let tenant: String
    let otherTenant: String
    let adminKey: String
    let viewerKey: String
    let viewerKeyId: String
    let otherAdminKey: String
    let userId: String
}

struct FixtureError: Error {
    let message: String
}

/// Collects a streamed body (the write closure must be `Sendable`-safe to capture).
final class ByteSink: @unchecked Sendable {
    var bytes: [UInt8] = []
}

/// An Admin API request decoded from fuzzer bytes.
struct FuzzRequest {
    /// Who calls: the fixture's keys, no credentials, or credentials that must be refused.
    enum Credential: UInt8, CaseIterable {
        case superAdmin, tenantAdmin, tenantViewer, none, otherTenantAdmin, malformedAuthorization, unknownAdminToken, unknownSessionCookie
    }

    static let methods: [HTTPMethod] = [.GET, .POST, .HEAD, .DELETE]

    let http: HTTPRequest
    /// nil when the fuzzer supplies `action` itself (or none) in the query.
    let action: String?

    init?(_ bytes: [UInt8], actionNames: [String], fixture: Fixture) {
        guard bytes.count >= 2 else { return nil }
        let slot = Int(bytes[0]) % (actionNames.count + 1)
        action = slot < actionNames.count ? actionNames[slot] : nil
        let flags = bytes[1]
        let method = Self.methods[Int(flags & 3)]
        let credential = Credential(rawValue: (flags >> 2) & 7)!
        let sendsJSONContentType = flags & 0x20 == 0

        let rest = bytes[2...]
        let query: ArraySlice<UInt8>
        let body: ArraySlice<UInt8>
        if let separator = rest.firstIndex(of: 0xFF) {
            query = rest[..<separator]
            body = rest[(separator + 1)...]
        } else {
            query = []
            body = rest
        }
        let placeholders: [(UInt8, String)] = [(UInt8(ascii: "T"), fixture.tenant), (UInt8(ascii: "O"), fixture.otherTenant),
                                               (UInt8(ascii: "U"), fixture.userId), (UInt8(ascii: "K"), fixture.viewerKeyId)]
        var target = "/admin-api?"
        if let action { target += "action=\(action)" }
        let expandedQuery = Self.expand(query, placeholders)
        if !expandedQuery.isEmpty {
            if action != nil { target += "&" }
            target += Self.percentEncodingUnsafeBytes(expandedQuery)
        }

        var headers: [(String, String)] = [("Host", "fuzz")]
        switch credential {
        case .superAdmin: headers.append(("Authorization", "Bearer \(AdminAPIFuzzHarness.superAdminKey)"))
        case .tenantAdmin: headers.append(("Authorization", "Bearer \(fixture.adminKey)"))
        case .tenantViewer: headers.append(("Authorization", "Bearer \(fixture.viewerKey)"))
        case .none: break
        case .otherTenantAdmin: headers.append(("Authorization", "Bearer \(fixture.otherAdminKey)"))
        case .malformedAuthorization: headers.append(("Authorization", "Basic Zm9vOmJhcg=="))
        case .unknownAdminToken: headers.append(("X-Admin-Token", "bsk_unknown_key_0000000000000000000000000000"))
        case .unknownSessionCookie: headers.append(("Cookie", "bs_session=not-a-session-token"))
        }
        if sendsJSONContentType { headers.append(("Content-Type", "application/json")) }
        http = HTTPRequest(method: method, target: target, headers: HTTPHeaders(headers), body: Self.expand(body, placeholders),
                           requestId: "fuzz")
    }

    /// Replaces `$X` by the fixture value of placeholder X.
    static func expand(_ bytes: ArraySlice<UInt8>, _ placeholders: [(UInt8, String)]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "$")) else { return Array(bytes) }
        var out: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "$"), index + 1 < bytes.endIndex,
               let value = placeholders.first(where: { $0.0 == bytes[index + 1] })?.1 {
                out += Array(value.utf8)
                index += 2
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    /// Bytes the HTTP parser refuses in a request-target (controls, space, non-ASCII, `#`) as `%XX`, so every
    /// byte value still reaches the query decoder, as a client could send it.
    static func percentEncodingUnsafeBytes(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            if byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "#") {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
