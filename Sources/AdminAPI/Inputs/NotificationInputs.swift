import Billing
import Support

/// `list_notifications`.
struct ListNotificationsInput: ActionInput {
    static let type = Field<NotificationType>.enumeration("type", NotificationType.self, "Only notifications of this type")
    static let status = Field<NotificationStatus>.enumeration("status", NotificationStatus.self, "Only notifications in this delivery status")
    static let priority = Field<NotificationPriority>.enumeration("priority", NotificationPriority.self, "Only notifications of this priority")
    static let unreadOnly = Field<Bool>.bool("unread_only", "Only notifications not read yet")
    static let fields = [type.spec, status.spec, priority.spec, unreadOnly.spec] + Page.fields(defaultLimit: 50, maxLimit: 200)

    let query: NotificationQuery

    init(_ r: inout InputReader) {
        var q = NotificationQuery()
        q.type = r(Self.type)
        q.status = r(Self.status)
        q.priority = r(Self.priority)
        q.unreadOnly = r(Self.unreadOnly) ?? false
        let page = Page(&r, defaultLimit: 50, maxLimit: 200)
        q.limit = page.limit
        q.offset = page.offset
        query = q
    }
}

/// `mark_notification_read` and `delete_notification`: one notification by id.
struct NotificationIdInput: ActionInput {
    static let id = CommonFields.id.example("0190a1b2-e5f6-7a01-8b2c-3d4e5f6a7b8c")
    static let fields = [id.spec]
    let id: String
    init(_ r: inout InputReader) { id = r(Self.id) }
}

/// `create_notification`: a notification written by hand, e-mailed and sent to webhooks like any other.
struct CreateNotificationInput: ActionInput {
    static let type = Field<NotificationType>.enumeration("type", NotificationType.self, "What the notification is about").required()
        .example("invoice_created")
    static let subject = Field<String>.string("subject", "One line: the e-mail's subject", maxLength: NotificationDraft.maxSubjectLength)
        .required().example("Your invoice is ready")
    static let message = Field<String>.string("message", "The text", maxLength: NotificationDraft.maxMessageLength).required()
        .example("Invoice INV-2025-000042 is ready.")
    static let priority = Field<NotificationPriority>.enumeration("priority", NotificationPriority.self, "Default normal")
    static let metadata = Field<JSONObject>.object("metadata",
                                                   "Free-form details kept with it (at most \(NotificationDraft.maxMetadataBytes / 1024) KiB of JSON)")
    static let dedupeKey = Field<String>.string("dedupe_key", "A second notification with the same key is refused (409)",
                                                maxLength: NotificationDraft.maxDedupeKeyLength)
    static let fields = [type.spec, subject.spec, message.spec, priority.spec, metadata.spec, dedupeKey.spec]

    let draft: NotificationDraft

    init(_ r: inout InputReader) {
        var draft = NotificationDraft(type: r(Self.type), subject: r(Self.subject), message: r(Self.message))
        draft.priority = r(Self.priority) ?? .normal
        draft.metadata = r(Self.metadata)
        if let metadata = draft.metadata, JSON.object(metadata).serialized().count > NotificationDraft.maxMetadataBytes {
            r.fail("metadata", "must be at most \(NotificationDraft.maxMetadataBytes / 1024) KiB of JSON")
        }
        draft.dedupeKey = r(Self.dedupeKey)
        self.draft = draft
    }
}
