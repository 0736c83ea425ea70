import HTTP
import Support

/// The OpenAPI 3.1 description of the server, generated from the action table and the declared inputs —
/// never written by hand, so it cannot drift from the code (served at `/admin-api/openapi.json`,
/// printed by `billing-server openapi`).
public enum OpenAPIDocument {
    /// The whole document.
    public static func make(_ table: ActionTable, version: String) -> JSON {
        var paths = JSONObject()
        for name in table.names {
            guard let action = table.actions[name] else { continue }
            paths[AdminResponder.pathPrefix + name] = .object(pathItem(action))
        }
        for (path, item) in OtherRoutes.pathItems { paths[path] = .object(item) }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "billing-server",
                "version": .string(version),
                "description": .string(description),
                "license": ["name": "Proprietary", "identifier": "LicenseRef-Proprietary"],
            ],
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "tags": .array(table.groups.map { ["name": .string($0)] }),
            "paths": .object(paths),
            "components": ["schemas": .object(schemas), "securitySchemes": securitySchemes, "responses": .object(errorResponses)],
        ]
    }

    static let description = """
        Usage metering, quotas, subscriptions, invoices and payments for many tenants. Every action is \
        `/admin-api/NAME` (also `/admin-api?action=NAME`). Parameters an action does not declare are refused \
        (400 `unknown_parameter`); every invalid field is named in one 400. Success is `{"data": …}`, failure \
        `{"error": {message, code, status, fields?}}`. Guide: docs/ADMIN_API.md.
        """

    static func pathItem(_ action: Action) -> JSONObject {
        var item = JSONObject()
        for method in action.methods {
            item[method.rawValue.lowercased()] = .object(operation(action, method: method))
        }
        return item
    }

    static func operation(_ action: Action, method: HTTPMethod) -> JSONObject {
        let fields = action.input
        let tenantField = action.scope.namesTenant ? [tenantParameter(action.scope)] : []
        var op: JSONObject = [
            "operationId": .string(action.name),
            "summary": .string(action.summary),
            "description": .string(permissionText(action)),
            "tags": .array(action.group.map { [.string($0)] } ?? []),
        ]
        op["security"] = action.permission == .public ? [] : [["bearerAuth": []], ["cookieAuth": []]]
        if method == .GET {
            op["parameters"] = .array((fields + tenantField).map(queryParameter))
        } else {
            let schema = FieldSpec.objectSchema(fields, extra: tenantField)
            var body: JSONObject = ["content": ["application/json": ["schema": .object(schema)]]]
            body["required"] = .bool(fields.contains { $0.required })
            if let example = example(fields) { body["content"] = ["application/json": ["schema": .object(schema), "example": example]] }
            op["requestBody"] = .object(body)
        }
        op["responses"] = .object(responses(action))
        return op
    }

    /// `tenant_id`: required of super-admins on `.tenant` actions, optional elsewhere; tenant keys may omit it.
    static func tenantParameter(_ scope: TenantScope) -> FieldSpec {
        let text: String
        switch scope {
        case .tenant: text = "The tenant acted on: required of super-admins; tenant keys act on their own tenant (naming another → 403)"
        case .owner: text = "The tenant acted on; a super-admin may omit it (the object's own tenant is used); naming another tenant than the object's → 404"
        case .optionalTenant: text = "The tenant acted on; a super-admin who omits it acts on every tenant"
        case .none: text = ""
        }
        return FieldSpec("tenant_id", .string(minLength: 36, maxLength: 36, format: "uuid", pattern: nil), text)
    }

    static func queryParameter(_ field: FieldSpec) -> JSON {
        var p: JSONObject = ["name": .string(field.name), "in": "query", "required": .bool(field.required),
                             "description": .string(field.description), "schema": .object(field.jsonSchema)]
        if let example = field.example { p["example"] = example }
        return .object(p)
    }

    /// A body example built from the fields' examples (required ones at least), when there is one.
    static func example(_ fields: [FieldSpec]) -> JSON? {
        var example = JSONObject()
        for field in fields { if let value = field.example { example[field.name] = value } }
        return example.count == 0 ? nil : .object(example)
    }

    static func permissionText(_ action: Action) -> String {
        let who: String
        switch action.permission {
        case .public: who = "No credentials needed."
        case .authenticated: who = "Any authenticated caller."
        default: who = "Roles: \(action.permission.roles.map(\.rawValue).joined(separator: ", "))."
        }
        let scope: String
        switch action.scope {
        case .tenant: scope = " Acts on one tenant (`tenant_id` for operators: billing, super-admin)."
        case .owner: scope = " Acts on one object by id, in its tenant."
        case .optionalTenant: scope = " An operator (billing, super-admin) without `tenant_id` acts on every tenant."
        case .none: scope = ""
        }
        return "Permission: `\(action.permission.rawValue)`. \(who)\(scope) Methods: \(action.methods.map(\.rawValue).joined(separator: ", "))."
    }

    static func responses(_ action: Action) -> JSONObject {
        var r = JSONObject()
        if let media = action.produces {
            r["200"] = ["description": "The document", "content": .object(JSONObject(media.map { ($0, ["schema": ["type": "string"]]) }))]
        } else {
            let envelope: JSON = ["type": "object", "required": ["data"], "additionalProperties": false,
                                  "properties": ["data": ["$ref": .string("#/components/schemas/\(dataSchemaName(action.response))")]]]
            r["200"] = ["description": "Success", "content": ["application/json": ["schema": envelope]]]
            if action.isMutation { r["201"] = ["description": "Created", "content": ["application/json": ["schema": envelope]]] }
        }
        r["400"] = ["$ref": "#/components/responses/BadRequest"]
        r["401"] = ["$ref": "#/components/responses/Unauthorized"]
        r["403"] = ["$ref": "#/components/responses/Forbidden"]
        r["404"] = ["$ref": "#/components/responses/NotFound"]
        r["405"] = ["$ref": "#/components/responses/MethodNotAllowed"]
        r["409"] = ["$ref": "#/components/responses/Conflict"]
        r["429"] = ["$ref": "#/components/responses/TooManyRequests"]
        r["503"] = ["$ref": "#/components/responses/Unavailable"]
        if action.group == gatewayGroup {
            r["502"] = ["$ref": "#/components/responses/GatewayError"]
            r["504"] = ["$ref": "#/components/responses/GatewayTimeout"]
        }
        r["default"] = ["$ref": "#/components/responses/Error"]
        return r
    }

    /// The actions that call the payment gateway (its failures are 502 and 504).
    static let gatewayGroup = "Payment gateway (Asaas)"

    static func dataSchemaName(_ shape: ResponseShape) -> String {
        switch shape {
        case .object: "Object"
        case .objectOrNull: "ObjectOrNull"
        case .page: "Page"
        case .cursorPage: "CursorPage"
        case .array: "List"
        }
    }

    static let securitySchemes: JSON = [
        "bearerAuth": ["type": "http", "scheme": "bearer", "description": "An API key (`bsk_…`): create-api-key or generate_api_key"],
        "cookieAuth": ["type": "apiKey", "in": "cookie", "name": "bs_session",
                       "description": "The dashboard session set by login; changes must send X-Requested-With or a JSON content type"],
        "asaasToken": ["type": "apiKey", "in": "header", "name": "asaas-access-token", "description": "ASAAS_WEBHOOK_TOKEN, sent by Asaas"],
    ]

    static var schemas: JSONObject {
        [
            "Object": ["type": "object", "description": "The action's result"],
            "ObjectOrNull": ["type": ["object", "null"], "description": "The action's result, null when there is none"],
            "List": ["type": "array", "items": ["type": "object"]],
            "Page": ["type": "object", "required": ["items", "total", "limit", "offset"], "additionalProperties": false,
                     "description": "One page of a list: every list_* answers this shape",
                     "properties": ["items": ["type": "array", "items": ["type": "object"]], "total": ["type": "integer", "minimum": 0],
                                    "limit": ["type": "integer", "minimum": 1], "offset": ["type": "integer", "minimum": 0]]],
            "CursorPage": ["type": "object", "required": ["items", "limit", "offset", "next_cursor"], "additionalProperties": false,
                           "properties": ["items": ["type": "array", "items": ["type": "object"]], "limit": ["type": "integer", "minimum": 1],
                                          "offset": ["type": "integer", "minimum": 0], "next_cursor": ["type": ["string", "null"]]]],
            "ErrorEnvelope": [
                "type": "object", "required": ["error"], "additionalProperties": false,
                "properties": ["error": [
                    "type": "object", "required": ["message", "code", "status"],
                    "properties": [
                        "message": ["type": "string"], "code": ["type": "string"], "status": ["type": "integer", "minimum": 400, "maximum": 599],
                        "fields": ["type": "object", "additionalProperties": ["type": "string"],
                                   "description": "Each invalid parameter and why (nested ones as events[3].quantity)"],
                    ],
                ]],
            ],
        ]
    }

    static var errorResponses: JSONObject {
        let rows: [(String, String)] = [
            ("BadRequest", "Invalid input: `validation_failed`, `unknown_parameter`, `invalid_json`, `unknown_action`"),
            ("Unauthorized", "Missing, wrong, expired or revoked credentials"),
            ("Forbidden", "The role or tenant does not allow it, or the tenant is suspended"),
            ("NotFound", "No such object in this tenant"),
            ("MethodNotAllowed", "The action does not accept this method (see Allow)"),
            ("Conflict", "The change conflicts with the stored state"),
            ("TooManyRequests", "A hard quota (`quota_exceeded`, with `resets_at`) or a rate limit; see Retry-After"),
            ("Unavailable", "The database or the payment gateway is unavailable; see Retry-After"),
            ("GatewayError", "The payment gateway refused or answered unreadably (`gateway_error` with `gateway_code`, `gateway_description`)"),
            ("GatewayTimeout", "The payment gateway did not answer in time (`gateway_timeout`): the operation may still have happened"),
            ("Error", "Any other error, in the error envelope"),
        ]
        var out = JSONObject()
        for (name, text) in rows {
            out[name] = ["description": .string(text), "content": ["application/json": ["schema": ["$ref": "#/components/schemas/ErrorEnvelope"]]]]
        }
        return out
    }
}

extension JSONObject {
    init(_ pairs: [(String, JSON)]) {
        self.init()
        for (k, v) in pairs { self[k] = v }
    }
}
