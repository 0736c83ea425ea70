import Foundation
import Storage
import Support

/// Payment methods of one tenant; gateway tokens are sealed with AES-256-GCM under `PAYMENT_DATA_KEY`.
public struct PaymentMethodService: Sendable {
    let database: Database
    let clock: any WallClock
    let box: SecretBox
    let configuredKeyProblem: String?

    public init(database: Database, clock: any WallClock, settings: BillingSettings) {
        self.database = database
        self.clock = clock
        box = SecretBox(keys: settings.dataKeys)
        configuredKeyProblem = settings.dataKeyProblem
    }

    /// Why tokens cannot be sealed now, or nil when they can.
    var keyProblem: String? {
        box.canSeal ? nil : configuredKeyProblem ?? "PAYMENT_DATA_KEY is not configured"
    }

    /// One page of the tenant's payment methods, newest first, with the number the filter matches.
    public func list(tenantId: String, includeDeleted: Bool, limit: Int = 100, offset: Int = 0) throws -> (items: [PaymentMethod], total: Int) {
        try database.read { conn in
            let filter: SQL = "tenant_id = \(bind: tenantId)\(raw: includeDeleted ? "" : " AND status = 'active'")"
            let total = Int(try conn.scalar("SELECT count(*) FROM payment_methods WHERE \(sql: filter)").int64Value ?? 0)
            let rows = try conn.query("""
                SELECT * FROM payment_methods WHERE \(sql: filter) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                """)
            return (try rows.map(Self.decode), total)
        }
    }

    public func get(id: String, tenantId: String) throws -> PaymentMethod {
        guard let m = try database.read({ try Self.find($0, id: id, tenantId: tenantId) }) else { throw BillingError.notFound("payment method not found") }
        return m
    }

    public func add(tenantId: String, _ d: PaymentMethodDraft, context: CallContext) throws -> PaymentMethod {
        guard let type = d.type else { throw BillingError.missing("type") }
        let token = try d.token.flatMap { try Validate.text($0, field: "token", maxLength: 500, required: false) }
        if let token, CardDataGuard.looksLikePAN(token) {
            throw BillingError.validation(field: "token", reason: "looks like a full card number, which is never accepted; send the gateway token")
        }
        let brand = try d.cardBrand.flatMap { try Validate.text($0, field: "card_brand", maxLength: 40, required: false) }
        let holder = try d.holderName.flatMap { try Validate.text($0, field: "holder_name", maxLength: 200, required: false) }
        let label = try d.label.flatMap { try Validate.text($0, field: "label", maxLength: 200, required: false) }
        if let last4 = d.cardLast4, !(last4.utf8.count == 4 && last4.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }) {
            throw BillingError.validation(field: "card_last4", reason: "must be exactly 4 digits")
        }
        if let m = d.expMonth, !(1...12).contains(m) { throw BillingError.validation(field: "exp_month", reason: "must be between 1 and 12") }
        if let y = d.expYear, !(2000...2200).contains(y) { throw BillingError.validation(field: "exp_year", reason: "must be a four-digit year") }
        let now = clock.now()
        if type == .creditCard {
            guard token != nil else { throw BillingError.validation(field: "token", reason: "is required for a credit card (the gateway's card token)") }
            guard d.cardLast4 != nil else { throw BillingError.missing("card_last4") }
            guard let m = d.expMonth else { throw BillingError.missing("exp_month") }
            guard let y = d.expYear else { throw BillingError.missing("exp_year") }
            let (cy, cm, _) = CivilTime.date(fromDays: Int(floor(now.timeIntervalSince1970 / 86400)))
            if y < Int64(cy) || (y == Int64(cy) && m < Int64(cm)) {
                throw BillingError.validation(field: "exp_year", reason: "the card has expired")
            }
        }
        if token != nil || type == .creditCard, !box.canSeal {
            throw BillingError.unavailable(code: "payment_data_key_missing",
                                           message: "\(keyProblem ?? "PAYMENT_DATA_KEY is not configured"); payment tokens cannot be stored")
        }
        let id = UUIDv7.make(at: now)
        // The row id is authenticated with the token, so a sealed value copied to another row does not open.
        let sealed = try token.map { try box.seal($0, associatedData: Array(id.utf8)) }
        return try database.write { conn in
            let hasDefault = try conn.queryOne("SELECT 1 FROM payment_methods WHERE tenant_id = ? AND is_default = 1", [.text(tenantId)]) != nil
            let makeDefault = d.isDefault ?? !hasDefault
            if makeDefault { try conn.run("UPDATE payment_methods SET is_default = 0, updated_at = ? WHERE tenant_id = ? AND is_default = 1", [.text(StoredTime.format(now)), .text(tenantId)]) }
            try conn.run("""
                INSERT INTO payment_methods (id, tenant_id, type, status, is_default, token_sealed, card_brand, card_last4, exp_month, exp_year,
                    holder_name, label, metadata_json, created_at, updated_at)
                VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(id), .text(tenantId), .text(type.rawValue), .integer(makeDefault ? 1 : 0), SQLValue(sealed), SQLValue(brand),
                      SQLValue(d.cardLast4), d.expMonth.map { .integer($0) } ?? .null, d.expYear.map { .integer($0) } ?? .null,
                      SQLValue(holder), SQLValue(label), SQLValue(d.metadata.map { JSON.object($0).serializedString() }),
                      .text(StoredTime.format(now)), .text(StoredTime.format(now))])
            try AuditLog.record(conn, context, action: "add_payment_method", tenantId: tenantId, targetId: id,
                                changes: ["type": .string(type.rawValue), "is_default": .bool(makeDefault), "card_last4": JSON(d.cardLast4)], at: now)
            return try Self.find(conn, id: id, tenantId: tenantId)!
        }
    }

    public func setDefault(id: String, tenantId: String, context: CallContext) throws -> PaymentMethod {
        let now = clock.now()
        return try database.write { conn in
            guard let m = try Self.find(conn, id: id, tenantId: tenantId), m.status == .active else {
                throw BillingError.notFound("payment method not found")
            }
            try conn.run("UPDATE payment_methods SET is_default = 0, updated_at = ? WHERE tenant_id = ? AND is_default = 1 AND id <> ?",
                         [.text(StoredTime.format(now)), .text(tenantId), .text(id)])
            try conn.run("UPDATE payment_methods SET is_default = 1, updated_at = ? WHERE id = ? AND tenant_id = ?",
                         [.text(StoredTime.format(now)), .text(id), .text(tenantId)])
            try AuditLog.record(conn, context, action: "set_default_payment_method", tenantId: tenantId, targetId: id, at: now)
            return try Self.find(conn, id: id, tenantId: tenantId)!
        }
    }

    /// Soft delete: status `deleted`, no longer default, and the sealed token is erased.
    public func delete(id: String, tenantId: String, context: CallContext) throws -> PaymentMethod {
        let now = clock.now()
        return try database.write { conn in
            guard let m = try Self.find(conn, id: id, tenantId: tenantId), m.status == .active else {
                throw BillingError.notFound("payment method not found")
            }
            try conn.run("""
                UPDATE payment_methods SET status = 'deleted', is_default = 0, token_sealed = NULL, deleted_at = ?, updated_at = ?
                WHERE id = ? AND tenant_id = ?
                """, [.text(StoredTime.format(now)), .text(StoredTime.format(now)), .text(id), .text(tenantId)])
            try AuditLog.record(conn, context, action: "delete_payment_method", tenantId: tenantId, targetId: id, at: now)
            return try Self.find(conn, id: id, tenantId: tenantId)!
        }
    }

    /// The gateway token in the clear, for the charge path only (never for presentation).
    public func openToken(id: String, tenantId: String) throws -> String? {
        guard box.canSeal else { throw BillingError.unavailable(code: "payment_data_key_missing", message: keyProblem ?? "PAYMENT_DATA_KEY is not configured") }
        let sealed = try database.read { conn in
            try conn.queryOne("SELECT token_sealed FROM payment_methods WHERE id = ? AND tenant_id = ? AND status = 'active'",
                              [.text(id), .text(tenantId)])?.decodeIfPresent(String.self, "token_sealed")
        }
        return try sealed.map { try box.open($0, associatedData: Array(id.utf8)) }
    }

    static func find(_ conn: Connection, id: String, tenantId: String) throws -> PaymentMethod? {
        try conn.queryOne("SELECT * FROM payment_methods WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantId)]).map(decode)
    }

    /// A `payment_methods` row; throws `RowDecodingError` when a required column is NULL, of another type, or unparseable.
    static func decode(_ r: Row) throws -> PaymentMethod {
        PaymentMethod(id: try r.decode(String.self, "id"), tenantId: try r.decode(String.self, "tenant_id"),
                      type: try r.decode(PaymentMethod.Kind.self, "type"), status: try r.decode(PaymentMethod.Status.self, "status"),
                      isDefault: try r.decode(Bool.self, "is_default"), hasToken: try r.decodeIfPresent(String.self, "token_sealed") != nil,
                      cardBrand: try r.decodeIfPresent(String.self, "card_brand"), cardLast4: try r.decodeIfPresent(String.self, "card_last4"),
                      expMonth: try r.decodeIfPresent(Int.self, "exp_month"), expYear: try r.decodeIfPresent(Int.self, "exp_year"),
                      holderName: try r.decodeIfPresent(String.self, "holder_name"), label: try r.decodeIfPresent(String.self, "label"),
                      metadata: try r.decodeJSONObjectIfPresent("metadata_json"),
                      createdAt: try r.decodeTime("created_at"), updatedAt: try r.decodeTime("updated_at"),
                      deletedAt: try r.decodeTimeIfPresent("deleted_at"))
    }
}

extension PaymentMethod.Kind: SQLDecodable {}
extension PaymentMethod.Status: SQLDecodable {}
