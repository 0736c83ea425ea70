import Sockets
import Synchronization

/// Serves files under `root` for GET/HEAD, safely: nothing outside the root is ever read.
///
/// Escapes are refused before touching the disk (`..` segments, encoded slashes/backslashes/NUL)
/// and again after it: the candidate path is resolved with realpath(3), so a symlink pointing
/// outside the root is caught by the prefix check. Every refusal is a plain 404.
public struct StaticFileResponder: HTTPResponder {
    private let root: String
    private let cache = FileCache()

    public init(root: String) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
    }

    /// Sent with every static response (the dashboard's CSP allows only its own origin).
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            var response = Self.error(.methodNotAllowed, code: "method_not_allowed", message: "method not allowed")
            response.headers.set("Allow", "GET, HEAD")
            return response
        }
        // `//admin` would redirect to `//admin/`, which a browser reads as the host `admin`: collapse runs of slashes first.
        let path = Self.collapsingSlashes(request.path)
        if path == "/" { return Self.redirect(to: "/admin/", status: .found) }
        guard Self.isSafe(path: path, target: request.target), let rootReal = FileSystem.realPath(root) else {
            return Self.notFound()
        }
        guard var resolved = FileSystem.realPath(root + path), Self.isInside(resolved, root: rootReal), !Self.isHidden(resolved, root: rootReal),
              var info = FileSystem.info(resolved) else {
            return Self.notFound()
        }
        if info.isDirectory {
            guard path.hasSuffix("/") else {
                let query = request.target.firstIndex(of: "?").map { String(request.target[$0...]) } ?? ""
                return Self.redirect(to: path + "/" + query, status: .movedPermanently)
            }
            guard let index = FileSystem.realPath(resolved + "/index.html"), Self.isInside(index, root: rootReal), !Self.isHidden(index, root: rootReal),
                  let indexInfo = FileSystem.info(index) else {
                return Self.notFound()
            }
            resolved = index
            info = indexInfo
        }
        guard info.isRegularFile else { return Self.notFound() }

        let etag = "\"" + String(info.size, radix: 16) + "-" + String(info.modifiedNanoseconds, radix: 16) + "\""
        let contentType = Self.mimeType(for: resolved)
        var headers = HTTPHeaders(Self.securityHeaders)
        headers.add("ETag", etag)
        headers.add("Cache-Control", contentType.hasPrefix("text/html") ? "no-cache" : "public, max-age=300")
        if let inm = request.headers["If-None-Match"], Self.matches(inm, etag: etag) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.add("Content-Type", contentType)
        guard let bytes = cache.bytes(for: resolved, etag: etag, size: info.size) else { return Self.notFound() }
        return HTTPResponse(status: .ok, headers: headers, body: .bytes(bytes))
    }

    // MARK: - Path safety

    /// Rejects traversal and encodings that could smuggle one past the decoded-path checks.
    static func isSafe(path: String, target: String) -> Bool {
        guard path.hasPrefix("/"), !path.utf8.contains(0), !path.contains("\\") else { return false }
        let rawPath = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let lowered = rawPath.lowercasedASCII()
        for bad in ["%2f", "%5c", "%00"] where lowered.contains(bad) { return false }
        // `.`, `..` and every dotfile or dot-directory (`.env`, `.git/`): nothing under PUBLIC_DIR that starts with a dot is served.
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) where segment.hasPrefix(".") {
            return false
        }
        return true
    }

    /// True when the resolved file lies under a dot-named segment below the root (a symlink into `.git`, say).
    static func isHidden(_ resolved: String, root: String) -> Bool {
        resolved.dropFirst(root.count).split(separator: "/").contains { $0.hasPrefix(".") }
    }

    /// `path` with every run of `/` collapsed to one.
    static func collapsingSlashes(_ path: String) -> String {
        guard path.contains("//") else { return path }
        var out = ""
        out.reserveCapacity(path.utf8.count)
        var previousSlash = false
        for scalar in path.unicodeScalars {
            if scalar == "/" {
                if previousSlash { continue }
                previousSlash = true
            } else {
                previousSlash = false
            }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    static func isInside(_ resolved: String, root: String) -> Bool {
        resolved == root || resolved.hasPrefix(root == "/" ? "/" : root + "/")
    }

    /// RFC 9110 §13.1.2: weak comparison, a list of tags, or `*`.
    static func matches(_ header: String, etag: String) -> Bool {
        for part in header.split(separator: ",") {
            var tag = part.trimmingASCIISpaces()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag { return true }
        }
        return false
    }

    static func mimeType(for path: String) -> String {
        let ext = path.split(separator: "/").last.flatMap { name -> Substring? in
            guard let dot = name.lastIndex(of: ".") else { return nil }
            return name[name.index(after: dot)...]
        }.map { $0.lowercasedASCII() } ?? ""
        switch ext {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json", "map": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    // MARK: - Responses

    static func notFound() -> HTTPResponse {
        error(.notFound, code: "not_found", message: "not found")
    }

    static func error(_ status: HTTPStatus, code: String, message: String) -> HTTPResponse {
        var response = HTTPResponse.error(status, code: code, message: message)
        for (name, value) in securityHeaders where name != "X-Content-Type-Options" { response.headers.add(name, value) }
        return response
    }

    static func redirect(to location: String, status: HTTPStatus) -> HTTPResponse {
        var headers = HTTPHeaders(securityHeaders)
        headers.add("Location", location)
        return HTTPResponse(status: status, headers: headers)
    }
}

/// Small files by resolved path, valid while their ETag (size + mtime) is unchanged; bounded in total bytes.
final class FileCache: Sendable {
    private struct Entry {
        var etag: String
        var bytes: [UInt8]
    }

    private let entries = Mutex<(map: [String: Entry], total: Int)>(([:], 0))
    private static let maxFileBytes = 1 << 20
    private static let maxTotalBytes = 32 << 20

    func bytes(for path: String, etag: String, size: Int) -> [UInt8]? {
        if let hit = entries.withLock({ $0.map[path] }), hit.etag == etag { return hit.bytes }
        guard let bytes = FileSystem.readFile(path) else { return nil }
        if bytes.count <= Self.maxFileBytes {
            entries.withLock { cache in
                if let old = cache.map[path] { cache.total -= old.bytes.count }
                if cache.total + bytes.count > Self.maxTotalBytes {
                    cache.map.removeAll()
                    cache.total = 0
                }
                cache.map[path] = Entry(etag: etag, bytes: bytes)
                cache.total += bytes.count
            }
        }
        return bytes
    }
}
