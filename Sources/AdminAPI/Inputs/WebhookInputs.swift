import Billing
import Support

/// `create_webhook_endpoint`: a URL and the events it subscribes to. The service checks the URL (it resolves the
/// host) before the event types, so an empty or unknown event type is its to report, after the URL.
struct CreateWebhookEndpointInput: ActionInput {
    static let url = Field<String>.string("url", "Where events are POSTed (http or https; no internal addresses unless WEBHOOK_ALLOW_PRIVATE)",
                                          maxLength: 2000, format: "uri").required().example("https://hooks.example.com/billing")
    static let eventTypes = Field<[String]>.strings("event_types", "The events to deliver: patterns, billing events or notification types "
                                                        + "(list_webhook_event_types)", count: 0...WebhookEventType.accepted.count)
        .required().example(["invoice.*", "usage.threshold"])
    static let description = Field<String>.string("description", "What the endpoint is for", maxLength: 200)
    static let fields = [url.spec, eventTypes.spec, description.spec]

    let url: String
    let eventTypes: [String]
    let description: String?

    init(_ r: inout InputReader) {
        url = r(Self.url)
        eventTypes = r(Self.eventTypes)
        description = r(Self.description)
    }
}

/// `list_webhook_event_types`: every value `event_types` accepts, one page of them.
struct ListWebhookEventTypesInput: ActionInput {
    static let fields = Page.fields()
    let page: Page
    init(_ r: inout InputReader) { page = Page(&r) }
}

/// `list_webhook_endpoints`.
struct ListWebhookEndpointsInput: ActionInput {
    static let fields = Page.fields()
    let page: Page
    init(_ r: inout InputReader) { page = Page(&r) }
}

/// `delete_webhook_endpoint` and `test_webhook_endpoint`: one endpoint by id.
struct WebhookEndpointIDInput: ActionInput {
    static let id = Field<String>.id("id", "The webhook endpoint").required().example("0193a5c4-7e1f-7b2a-9c3d-4e5f6a7b8c9d")
    static let fields = [id.spec]
    let id: String
    init(_ r: inout InputReader) { id = r(Self.id) }
}

/// `list_webhook_deliveries`: the delivery log, newest first.
struct ListWebhookDeliveriesInput: ActionInput {
    static let defaultLimit: Int64 = 50
    static let maxLimit: Int64 = 200
    static let endpointId = Field<String>.id("endpoint_id", "Only deliveries to this endpoint")
    static let status = Field<WebhookDelivery.Status>.enumeration("status", WebhookDelivery.Status.self, "Only deliveries in this status")
    static let fields = [endpointId.spec, status.spec] + Page.fields(defaultLimit: defaultLimit, maxLimit: maxLimit)

    let endpointId: String?
    let status: WebhookDelivery.Status?
    let page: Page

    init(_ r: inout InputReader) {
        endpointId = r(Self.endpointId)
        status = r(Self.status)
        page = Page(&r, defaultLimit: Self.defaultLimit, maxLimit: Self.maxLimit)
    }
}
