import Support

/// The routes beside the action table, as OpenAPI path items: health, metrics, the Asaas webhook and the
/// document itself.
enum OtherRoutes {
    static var pathItems: [(String, JSONObject)] {
        [
            ("/health", ["get": [
                "operationId": "health", "summary": "Liveness and database state", "security": [], "tags": ["Other routes"],
                "responses": [
                    "200": ["description": "Up", "content": ["application/json": ["schema": healthSchema]]],
                    "503": ["description": "The database is unusable", "content": ["application/json": ["schema": healthSchema]]],
                ],
            ]]),
            ("/metrics", ["get": [
                "operationId": "metrics", "summary": "Prometheus text exposition",
                "description": "Authorization: Bearer with a super-admin API key or METRICS_TOKEN.",
                "security": [["bearerAuth": []]], "tags": ["Other routes"],
                "responses": [
                    "200": ["description": "Metrics", "content": ["text/plain": ["schema": ["type": "string"]]]],
                    "401": ["$ref": "#/components/responses/Unauthorized"],
                    "403": ["$ref": "#/components/responses/Forbidden"],
                ],
            ]]),
            ("/webhooks/asaas", ["post": [
                "operationId": "asaas_webhook", "summary": "Asaas payment events (stored, then applied once)",
                "description": "Asaas sends its access token in the asaas-access-token header (ASAAS_WEBHOOK_TOKEN). 503 until the gateway is configured.",
                "security": [["asaasToken": []]], "tags": ["Other routes"],
                "requestBody": ["required": true, "content": ["application/json": ["schema": [
                    "type": "object", "required": ["event"],
                    "properties": ["id": ["type": "string"], "event": ["type": "string", "examples": ["PAYMENT_RECEIVED"]],
                                   "payment": ["type": "object"]],
                ]]]],
                "responses": [
                    "200": ["description": "Stored (or a redelivery of a stored event)", "content": ["application/json": ["schema": ["type": "object"]]]],
                    "400": ["$ref": "#/components/responses/BadRequest"],
                    "401": ["$ref": "#/components/responses/Unauthorized"],
                    "503": ["$ref": "#/components/responses/Unavailable"],
                    "default": ["$ref": "#/components/responses/Error"],
                ],
            ]]),
            ("/admin-api/openapi.json", ["get": [
                "operationId": "openapi", "summary": "This document", "security": [], "tags": ["Other routes"],
                "responses": ["200": ["description": "OpenAPI 3.1", "content": ["application/json": ["schema": ["type": "object"]]]]],
            ]]),
        ]
    }

    static let healthSchema: JSON = [
        "type": "object", "required": ["data"],
        "properties": ["data": ["type": "object", "required": ["status"], "properties": [
            "status": ["type": "string", "enum": ["ok", "degraded"]], "database": ["type": "string"], "version": ["type": "string"],
        ]]],
    ]
}
