import Foundation
import Testing
@testable import HTTP

/// A temporary site: `root/` with files, plus a secret outside it and a symlink pointing at it.
private final class Site {
    let base: String
    var root: String { base + "/public" }

    init() throws {
        base = NSTemporaryDirectory() + "static-" + UUID().uuidString
        let fm = FileManager.default
        try fm.createDirectory(atPath: base + "/public/admin/css", withIntermediateDirectories: true)
        try "<h1>admin</h1>".write(toFile: root + "/admin/index.html", atomically: true, encoding: .utf8)
        try "body{}".write(toFile: root + "/admin/css/app.css", atomically: true, encoding: .utf8)
        try "{}".write(toFile: root + "/admin/app.js.map", atomically: true, encoding: .utf8)
        try "top secret".write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/escape.txt", withDestinationPath: base + "/secret.txt")
        try fm.createSymbolicLink(atPath: root + "/admin/inside.css", withDestinationPath: root + "/admin/css/app.css")
        // Dotfiles an operator may leave in PUBLIC_DIR, and a harmless-looking link to one.
        try fm.createDirectory(atPath: root + "/.git", withIntermediateDirectories: true)
        try "DATABASE_URL=postgres://u:top secret@db/x".write(toFile: root + "/.env", atomically: true, encoding: .utf8)
        try "top secret".write(toFile: root + "/.git/config", atomically: true, encoding: .utf8)
        try "top secret".write(toFile: root + "/admin/.htpasswd", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/admin/settings.txt", withDestinationPath: root + "/.env")
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }
}

private func get(_ responder: StaticFileResponder, _ target: String, method: HTTPMethod = .GET,
                 headers: [(String, String)] = []) -> HTTPResponse {
    responder.respond(to: HTTPRequest(method: method, target: target, headers: HTTPHeaders(headers)))
}

private func text(_ response: HTTPResponse) -> String {
    if case .bytes(let b) = response.body { return String(decoding: b, as: UTF8.self) }
    return ""
}

struct StaticFileResponderTests {
    @Test func static_ServesFileWithHeaders_WhenFileExists() throws {
        let site = try Site()
        let response = get(StaticFileResponder(root: site.root), "/admin/css/app.css")
        #expect(response.status == .ok)
        #expect(text(response) == "body{}")
        #expect(response.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(response.headers["Cache-Control"] == "public, max-age=300")
        #expect(response.headers["ETag"]?.hasPrefix("\"") == true)
        #expect(response.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") == true)
        #expect(response.headers["X-Frame-Options"] == "DENY")
        #expect(response.headers["Referrer-Policy"] == "no-referrer")
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
    }

    @Test func static_ServesIndexNoCache_WhenDirectoryWithSlash() throws {
        let site = try Site()
        let response = get(StaticFileResponder(root: site.root), "/admin/")
        #expect(text(response) == "<h1>admin</h1>")
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.headers["Cache-Control"] == "no-cache")
    }

    @Test func static_Redirects_WhenDirectoryWithoutSlashOrRoot() throws {
        let site = try Site()
        let responder = StaticFileResponder(root: site.root)
        let dir = get(responder, "/admin?x=1")
        #expect(dir.status == .movedPermanently)
        #expect(dir.headers["Location"] == "/admin/?x=1")
        let root = get(responder, "/")
        #expect(root.status == .found)
        #expect(root.headers["Location"] == "/admin/")
    }

    @Test func static_Answers304_WhenETagMatches() throws {
        let site = try Site()
        let responder = StaticFileResponder(root: site.root)
        let etag = get(responder, "/admin/css/app.css").headers["ETag"] ?? ""
        let cached = get(responder, "/admin/css/app.css", headers: [("If-None-Match", "\"other\", W/" + etag)])
        #expect(cached.status == .notModified)
        #expect(cached.headers["ETag"] == etag)
        #expect(get(responder, "/admin/css/app.css", headers: [("If-None-Match", "\"other\"")]).status == .ok)
    }

    @Test(arguments: ["/../secret.txt", "/%2e%2e/secret.txt", "/admin/..%2f..%2fsecret.txt", "/admin%2fcss/app.css",
                      "/escape.txt", "/admin/%00", "/admin/..\\..\\secret.txt", "/nope.txt", "/./admin/"])
    func static_Answers404_WhenPathEscapesRootOrIsMissing(_ target: String) throws {
        let site = try Site()
        let response = get(StaticFileResponder(root: site.root), target)
        #expect(response.status == .notFound, "\(target)")
        #expect(!text(response).contains("top secret"))
    }

    @Test(arguments: ["/.env", "/.git/config", "/admin/.htpasswd", "/admin/settings.txt", "//.env", "/admin/.%68tpasswd", "/.git/"])
    func static_Answers404_ForDotfilesAndLinksToThem(_ target: String) throws {
        let site = try Site()
        let response = get(StaticFileResponder(root: site.root), target)
        #expect(response.status == .notFound, "\(target)")
        #expect(!text(response).contains("top secret"))
    }

    /// `GET //admin` must not answer `Location: //admin/` (protocol-relative: a browser would go to http://admin/).
    @Test(arguments: [("//admin", "/admin/"), ("///admin?x=1", "/admin/?x=1"), ("/admin//css", "/admin/css/")])
    func static_CollapsesSlashes_BeforeRedirecting(_ target: String, _ location: String) throws {
        let site = try Site()
        let response = get(StaticFileResponder(root: site.root), target)
        #expect(response.status == .movedPermanently && response.headers["Location"] == location, "\(target)")
        #expect(get(StaticFileResponder(root: site.root), "//admin/css//app.css").status == .ok)
    }

    @Test func static_FollowsSymlink_WhenTargetStaysInsideRoot() throws {
        let site = try Site()
        #expect(text(get(StaticFileResponder(root: site.root), "/admin/inside.css")) == "body{}")
    }

    @Test func static_Answers405WithAllow_WhenMethodIsNotGetOrHead() throws {
        let site = try Site()
        let response = get(StaticFileResponder(root: site.root), "/admin/", method: .POST)
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["Allow"] == "GET, HEAD")
    }

    @Test(arguments: [("a.html", "text/html; charset=utf-8"), ("a.js", "text/javascript; charset=utf-8"),
                      ("a.mjs", "text/javascript; charset=utf-8"), ("a.json", "application/json"), ("a.svg", "image/svg+xml"),
                      ("a.png", "image/png"), ("a.ico", "image/x-icon"), ("a.woff2", "font/woff2"),
                      ("a.txt", "text/plain; charset=utf-8"), ("a.map", "application/json"), ("a.bin", "application/octet-stream")])
    func static_PicksMimeType_WhenExtensionIsKnown(_ name: String, _ type: String) {
        #expect(StaticFileResponder.mimeType(for: "/x/" + name) == type)
    }

    @Test func static_BlocksTraversal_WhenServedOverSocket() throws {
        let site = try Site()
        try withServer(responder: StaticFileResponder(root: site.root)) { server in
            let client = try TestClient(port: server.port)
            for target in ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/escape.txt", "/..%2fsecret.txt"] {
                try client.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 404 || response.status == 400, "\(target)")
                #expect(!response.bodyText.contains("root:") && !response.bodyText.contains("top secret"))
                if response.status == 400 { return }
            }
            try client.send("GET /admin/css/app.css HTTP/1.1\r\nHost: t\r\n\r\n")
            let ok = try client.readResponse()
            #expect(ok.bodyText == "body{}")
            let etag = ok.header("ETag") ?? ""
            try client.send("GET /admin/css/app.css HTTP/1.1\r\nHost: t\r\nIf-None-Match: \(etag)\r\n\r\n")
            #expect(try client.readResponse().status == 304)
            try client.send("HEAD /admin/css/app.css HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readResponse(head: true)
            #expect(head.header("Content-Length") == "6")
            try client.send("GET /admin HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().header("Location") == "/admin/")
        }
    }
}
