import Billing
import HTTP
import Support

/// `login`, `logout`, `current_user`.
enum AuthActions {
    static let cookieName = "bs_session"

    static func make(_ s: AdminServices) -> [Action] {
        [
            Action("login", [.POST], .public, scope: .none, input: LoginInput.self,
                   summary: "Start a dashboard session (sets the session cookie)") { r, input in
                let session = try s.sessions.login(email: input.email, password: input.password, clientIP: r.http.remoteAddress)
                let cookie = sessionCookie(session.token, maxAge: s.settings.sessionLifetimeSeconds, secure: s.settings.cookieSecure)
                let body: JSON = ["user": Present.user(session.user), "expires_at": Present.time(session.expiresAt)]
                return .data(body, status: .ok, headers: [("Set-Cookie", cookie)])
            },
            Action("logout", [.POST], .authenticated, scope: .none, input: NoInput.self, summary: "End the dashboard session") { r, _ in
                if let token = r.sessionToken { try s.sessions.logout(token: token, context: r.context) }
                return .data(["logged_out": true], status: .ok, headers: [("Set-Cookie", sessionCookie("", maxAge: 0, secure: s.settings.cookieSecure))])
            },
            Action("current_user", [.GET], .authenticated, scope: .none, input: NoInput.self, summary: "Who the credentials belong to") { r, _ in
                let principal = r.principal!
                var body: JSONObject = ["principal": Present.principal(principal), "user": .null, "tenant": .null,
                                        "allowed_actions": .array(r.table.actionNames(allowedFor: principal.role).map(JSON.string))]
                if principal.kind == .user, let user = try s.sessions.user(id: principal.id) { body["user"] = Present.user(user) }
                if let t = principal.tenantId, let tenant = try s.tenants.find(id: t) { body["tenant"] = Present.tenant(tenant) }
                return .ok(.object(body))
            },
        ]
    }

    static func sessionCookie(_ token: String, maxAge: Int, secure: Bool) -> String {
        "\(cookieName)=\(token); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}
