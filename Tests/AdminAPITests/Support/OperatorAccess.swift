import Foundation
import Support

/// A test server that can make operator calls: what a tenant admin may no longer do itself (invoices,
/// subscriptions, quotas, refunds) is done by a `billing` operator key naming the tenant.
protocol OperatorAccess: AnyObject {
    var superKey: String { get }
    /// Tenants of keys already asked, and the billing key once issued (`"billing"`).
    var operatorCache: LockedValue<[String: String]> { get }
    /// One call with a bearer key (the server's own `call`).
    func operatorCall(_ action: String, key: String?, method: String?, query: [String: String], body: JSON?) throws -> TestResponse
}

extension TestServer {
    func operatorCall(_ action: String, key: String?, method: String?, query: [String: String], body: JSON?) throws -> TestResponse {
        try call(action, key: key, method: method, query: query, body: body)
    }
}

extension GatewayHarness {
    func operatorCall(_ action: String, key: String?, method: String?, query: [String: String], body: JSON?) throws -> TestResponse {
        try call(action, key: key, method: method, query: query, body: body)
    }
}

extension OperatorAccess {
    /// Calls `action` as a `billing` operator on the tenant that `key` belongs to (found through `current_user`):
    /// `tenant_id` is added to the body when there is one, else to the query, unless the call names a tenant.
    @discardableResult
    func asOperator(_ action: String, tenantOf key: String, method: String? = nil, query: [String: String] = [:],
                    body: JSON? = nil) throws -> TestResponse {
        let tenant = try tenantId(of: key)
        var query = query
        var body = body
        if case .object(var object)? = body {
            if object["tenant_id"] == nil, query["tenant_id"] == nil { object["tenant_id"] = .string(tenant) }
            body = .object(object)
        } else if query["tenant_id"] == nil {
            query["tenant_id"] = tenant
        }
        return try operatorCall(action, key: try billingKey(), method: method, query: query, body: body)
    }

    /// The tenant a tenant key belongs to.
    func tenantId(of key: String) throws -> String {
        if let known = operatorCache.get()["tenant:" + key] { return known }
        let me = try operatorCall("current_user", key: key, method: nil, query: [:], body: nil)
        guard let tenant = me.data["principal"]?["tenant_id"]?.stringValue else {
            throw TestClientError.io("current_user names no tenant: \(me.status) \(me.text)")
        }
        operatorCache.withLock { $0["tenant:" + key] = tenant }
        return tenant
    }

    /// A `billing` operator key, issued once per server by the super-admin.
    func billingKey() throws -> String {
        if let known = operatorCache.get()["billing"] { return known }
        let r = try operatorCall("generate_api_key", key: superKey, method: nil, query: [:], body: ["name": "billing operator", "role": "billing"])
        guard r.status == 201, let key = r.data["key"]?.stringValue else { throw TestClientError.io("generate_api_key billing \(r.status) \(r.text)") }
        operatorCache.withLock { $0["billing"] = key }
        return key
    }
}
