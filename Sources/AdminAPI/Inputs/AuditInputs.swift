import Billing
import Foundation

/// `list_audit_events`: filters on the recorded action, who did it, what it touched and when.
struct ListAuditEventsInput: ActionInput {
    static let eventAction = Field<String>.string("event_action", "Only events of this action (e.g. create_user)", maxLength: 100)
    static let actorId = Field<String>.string("actor_id", "Only events done by this principal (a user or key id, or system)", maxLength: 64)
    static let targetId = Field<String>.string("target_id", "Only events about this object id", maxLength: 64)
    static let start = Field<Date>.date("start_date", "From (inclusive)")
    static let end = Field<Date>.date("end_date", "Until (exclusive; a date includes that whole day)", endOfDay: true)
    static let fields = [eventAction.spec, actorId.spec, targetId.spec, start.spec, end.spec] + Page.fields()

    let query: AuditQuery

    init(_ r: inout InputReader) {
        var q = AuditQuery()
        q.action = r(Self.eventAction)
        q.actorId = r(Self.actorId)
        q.targetId = r(Self.targetId)
        q.since = r(Self.start)
        q.until = r(Self.end)
        let page = Page(&r)
        q.limit = page.limit
        q.offset = page.offset
        query = q
    }
}
