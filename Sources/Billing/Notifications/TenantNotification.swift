import Foundation
import Support

/// E-mail delivery state of a notification; `read` once someone acknowledged it in the app.
public enum NotificationStatus: String, Sendable, CaseIterable {
    case pending, sent, failed, read
}

/// One in-app notification of a tenant (SPEC §8).
public struct TenantNotification: Sendable, Equatable {
    public let id: String
    public let tenantId: String
    public let type: NotificationType
    public let priority: NotificationPriority
    public var status: NotificationStatus
    public let subject: String
    public let message: String
    public let metadata: JSONObject?
    public var readAt: Date?
    public var sentAt: Date?
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public let createdAt: Date
}

/// Filters of `list_notifications`.
public struct NotificationQuery: Sendable {
    public var type: NotificationType?
    public var status: NotificationStatus?
    public var priority: NotificationPriority?
    public var unreadOnly = false
    public var limit = 50
    public var offset = 0

    public init() {}
}

/// Input of `create_notification`.
public struct NotificationDraft: Sendable {
    public static let maxSubjectLength = 200
    public static let maxMessageLength = 5000
    public static let maxDedupeKeyLength = 200
    /// The largest `metadata`, as serialized JSON.
    public static let maxMetadataBytes = 8 * 1024

    public var type: NotificationType
    public var priority: NotificationPriority
    public var subject: String
    public var message: String
    public var metadata: JSONObject?
    public var dedupeKey: String?

    public init(type: NotificationType, priority: NotificationPriority = .normal, subject: String, message: String,
                metadata: JSONObject? = nil, dedupeKey: String? = nil) {
        self.type = type
        self.priority = priority
        self.subject = subject
        self.message = message
        self.metadata = metadata
        self.dedupeKey = dedupeKey
    }
}
