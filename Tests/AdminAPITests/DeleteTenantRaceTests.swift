import Foundation
import Support
import Testing

/// A write naming a tenant that a concurrent `delete_tenant` removes answers 404 (or succeeds before the
/// delete), never 500: the foreign-key failure of the late write is the request's problem, not the server's.
@Suite(.serialized) struct DeleteTenantRaceTests {
    @Test func writesRacingDeleteTenant_AnswerSuccessOr404_Never500() throws {
        let server = try TestServer()
        let writes: [(action: String, body: @Sendable (String) -> JSON)] = [
            ("set_quota", { ["tenant_id": .string($0), "resource_type": "message", "period": "daily", "limit_value": 10] }),
            ("log_usage", { ["tenant_id": .string($0), "resource_type": "message", "quantity": 1] }),
            ("generate_api_key", { ["tenant_id": .string($0), "name": "race", "role": "viewer"] }),
        ]
        let tenants = try (0..<24).map { try server.makeTenant("race \($0)") }
        let statuses = LockedValue<[String: [Int]]>([:])
        DispatchQueue.concurrentPerform(iterations: tenants.count * 2) { i in
            let tenant = tenants[i / 2]
            if i % 2 == 0 {
                let status = (try? server.call("delete_tenant", key: server.superKey, body: ["id": .string(tenant)]).status) ?? -1
                statuses.withLock { $0["delete_tenant", default: []].append(status) }
            } else {
                for write in writes {
                    let r = try? server.call(write.action, key: server.superKey, body: write.body(tenant))
                    statuses.withLock { $0[write.action, default: []].append(r?.status ?? -1) }
                }
            }
        }
        let seen = statuses.withLock { $0 }
        #expect(seen["delete_tenant"]?.allSatisfy { $0 == 200 } == true, "\(seen)")
        for write in writes {
            let codes = seen[write.action] ?? []
            #expect(codes.count == tenants.count)
            #expect(codes.allSatisfy { [200, 201, 404].contains($0) }, "\(write.action): \(codes)")
        }
        for tenant in tenants {
            #expect(try server.call("get_tenant", key: server.superKey, query: ["tenant_id": tenant]).status == 404)
        }
    }
}
