import Support

/// Sends matrix requests and holds each answer to the rules of bad input:
/// never a 5xx (the honest 501 and 503 `gateway_disabled` aside), a `validation_failed` names the
/// field, a request that must be refused gets a 4xx, and no refused request changes a single row
/// (a snapshot of every table before and after).
final class MatrixJudge {
    let server: TestServer
    private(set) var failures: [String] = []
    private(set) var requestCount = 0
    private let snapshotter: DatabaseSnapshotter
    private var snapshot: DatabaseSnapshot

    init(_ server: TestServer) throws {
        self.server = server
        snapshotter = DatabaseSnapshotter(server.app.services.database)
        snapshot = try snapshotter.take()
    }

    /// Takes a new "before" snapshot after writes made outside `check` (fresh fixture targets).
    func resync() throws { snapshot = try snapshotter.take() }

    func fail(_ message: String) { failures.append(message) }

    /// Whether a 5xx is an honest answer rather than a crash: 501 (PDF support not built) or the
    /// gateway switched off.
    static func isHonestServerError(_ r: TestResponse) -> Bool {
        r.status == 501 || (r.status == 503 && r.errorCode == "gateway_disabled")
    }

    /// Sends `request`, checks it, and returns the answer.
    /// - Parameters:
    ///   - field: the value the request spoiled; a `validation_failed` must name it (or `alternative`).
    ///   - mustRefuse: the request is invalid whatever the action, so only a 4xx will do.
    @discardableResult
    func check(_ label: String, _ request: MatrixRequest, field: FieldPath?, orNamed alternative: String? = nil,
               mustRefuse: Bool) throws -> TestResponse {
        let r = try request.send(server.client)
        requestCount += 1
        let where_ = "\(label) → \(r.status) \(r.text.prefix(160))"
        if r.status >= 500, !Self.isHonestServerError(r) { fail("5xx: \(where_)") }
        if mustRefuse, !(400...499).contains(r.status) { fail("not refused: \(where_)") }
        if r.status == 400, r.errorCode == "validation_failed" {
            let named = r.json["error"]?["fields"]?.objectValue.map { Array($0.keys) } ?? []
            if named.isEmpty {
                fail("validation_failed names no field: \(where_)")
            } else if let field, !named.contains(where: { field.isNamed(by: $0) || $0 == alternative }) {
                fail("names \(named) instead of \(field): \(where_)")
            }
        }
        let after = try snapshotter.take()
        // The writes a refusal must make: a refused `login` is still an attempt (counted against the address's limit)
        // and a failure of its (e-mail, address) pair (its backoff).
        let changed = after.changedTables(since: snapshot).filter { !(label.hasPrefix("login ") && ["login_attempts", "login_failures"].contains($0)) }
        if !(200...299).contains(r.status), !changed.isEmpty {
            fail("refused but wrote to \(changed): \(where_)")
        }
        snapshot = after
        return r
    }
}
