import CPostgres
import Foundation

/// A PostgreSQL connection URL, checked before libpq sees it so that a mistake gets a clear message
/// that never repeats the password.
///
/// `postgres[ql]://[user[:password]@][host][:port][,host2[:port2]…][/database][?param=value&…]`, as in
/// https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS. A host may be
/// `[::1]`, or a unix-socket directory either percent-encoded (`%2Fvar%2Frun%2Fpostgresql`) or given
/// as `?host=/var/run/postgresql`. Query parameters must be libpq keywords (`sslmode`, `connect_timeout`,
/// `application_name`, …).
public struct PostgresURL: Sendable, CustomStringConvertible {
    /// The text as given; handed to libpq (which parses it the same way).
    let text: String
    public let user: String?
    let password: String?
    /// `host[:port]` entries as written (decoded), empty when the URL names none.
    public let hosts: [(host: String, port: Int?)]
    public let database: String?
    /// Decoded query parameters in order.
    public let parameters: [(key: String, value: String)]

    public init(_ text: String) throws {
        self.text = text
        let lower = text.lowercased()
        guard let scheme = ["postgresql://", "postgres://"].first(where: { lower.hasPrefix($0) }) else {
            throw PostgresURLError("must start with postgres:// or postgresql://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path: Substring?
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var authority = rest
        var user: String?
        var password: String?
        let ats = authority.indices.filter { authority[$0] == "@" }
        if ats.count > 1 {
            throw PostgresURLError("has more than one '@' before the host; percent-encode an '@' in the user or password as %40")
        }
        if let at = ats.first {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], part: "user name")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], part: "password")
            } else {
                user = try Self.decode(userInfo, part: "user name")
            }
        }
        self.user = user?.isEmpty == true ? nil : user
        self.password = password

        var hosts: [(String, Int?)] = []
        if !authority.isEmpty {
            for entry in authority.split(separator: ",", omittingEmptySubsequences: false) {
                hosts.append(try Self.parseHost(entry))
            }
        }
        self.hosts = hosts
        if let path, path.contains("/") { throw PostgresURLError("has a '/' in the database name; percent-encode it as %2F") }
        let database = try path.map { try Self.decode($0, part: "database name") }
        self.database = database?.isEmpty == true ? nil : database

        var parameters: [(String, String)] = []
        let known = Self.libpqKeywords
        for pair in query.split(separator: "&") {
            guard let eq = pair.firstIndex(of: "=") else { throw PostgresURLError("query parameter '\(pair.prefix(40))' has no value") }
            let key = try Self.decode(pair[..<eq], part: "query parameter name")
            let value = try Self.decode(pair[pair.index(after: eq)...], part: "value of \(key)")
            guard known.contains(key) || key == "ssl" else {
                throw PostgresURLError("unknown query parameter '\(key.prefix(40))' (use libpq keywords such as sslmode, connect_timeout, application_name, host)")
            }
            if key == "sslmode", !["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(value) {
                throw PostgresURLError("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full")
            }
            if key == "port", Int(value).map({ (1...65535).contains($0) }) != true {
                throw PostgresURLError("port must be a number from 1 to 65535")
            }
            parameters.append((key, value))
        }
        self.parameters = parameters
    }

    /// `[v6]:port`, `host:port`, `host` or `:port`.
    private static func parseHost(_ entry: Substring) throws -> (String, Int?) {
        var host: Substring
        var port: Substring?
        if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]") else { throw PostgresURLError("has an IPv6 host without its closing ']'") }
            host = entry[entry.index(after: entry.startIndex)..<close]
            let after = entry[entry.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw PostgresURLError("has text after the IPv6 host's ']'") }
                port = after.dropFirst()
            }
        } else if let colon = entry.lastIndex(of: ":") {
            host = entry[..<colon]
            port = entry[entry.index(after: colon)...]
        } else {
            host = entry
        }
        var portNumber: Int?
        if let port {
            guard let n = Int(port), (1...65535).contains(n) else { throw PostgresURLError("port must be a number from 1 to 65535") }
            portNumber = n
        }
        return (try decode(host, part: "host"), portNumber)
    }

    /// Percent-decodes `part`; a bad escape names the part, not its text (it may be the password).
    private static func decode(_ text: Substring, part: String) throws -> String {
        guard text.contains("%") else { return String(text) }
        guard let decoded = String(text).removingPercentEncoding else {
            throw PostgresURLError("has an invalid percent-encoding in the \(part)")
        }
        return decoded
    }

    /// Every connection keyword libpq knows (`PQconndefaults`), so a typo is caught here with a clear message.
    static let libpqKeywords: Set<String> = {
        var names: Set<String> = []
        guard let options = PQconndefaults() else { return names }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            names.insert(String(cString: keyword))
            option += 1
        }
        return names
    }()

    /// The URL with its password (in the user info or as `password=`) replaced by `***`, for logs and errors.
    public var redacted: String {
        var result = text
        if password != nil, let scheme = result.range(of: "://") {
            let afterScheme = result[scheme.upperBound...]
            let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
            if let at = afterScheme[..<authorityEnd].firstIndex(of: "@"),
               let colon = afterScheme[..<at].firstIndex(of: ":") {
                result.replaceSubrange(result.index(after: colon)..<at, with: "***")
            }
        }
        if let q = result.firstIndex(of: "?") {
            let pairs = result[result.index(after: q)...].split(separator: "&").map { pair -> String in
                pair.lowercased().hasPrefix("password=") ? "password=***" : String(pair)
            }
            result = String(result[...q]) + pairs.joined(separator: "&")
        }
        return result
    }

    public var description: String { redacted }

    /// `text` with every occurrence of the password masked (for libpq's messages, in case one quotes it).
    func scrub(_ text: String) -> String {
        var result = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ")
        while result.contains("  ") { result = result.replacingOccurrences(of: "  ", with: " ") }
        result = result.trimmingCharacters(in: .whitespaces)
        var secrets = [password] + parameters.filter { $0.key == "password" }.map { Optional($0.value) }
        secrets = secrets.filter { ($0?.count ?? 0) >= 3 }
        for case let secret? in secrets { result = result.replacingOccurrences(of: secret, with: "***") }
        return result
    }

    /// The same server and credentials with another database (for tests that create one per test).
    public func withDatabase(_ name: String) -> String {
        let lower = text.lowercased()
        let schemeLength = lower.hasPrefix("postgresql://") ? 13 : 11
        let afterScheme = text.index(text.startIndex, offsetBy: schemeLength)
        let tail = text[afterScheme...]
        let authorityEnd = tail.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? tail.endIndex
        let queryStart = tail.firstIndex(of: "?") ?? tail.endIndex
        return String(text[..<authorityEnd]) + "/" + name + String(text[queryStart...])
    }

    /// Hosts for messages: `127.0.0.1:5432`, or the socket directory.
    var serverDescription: String {
        var parts = hosts.map { h in h.port.map { "\(h.host):\($0)" } ?? (h.host.isEmpty ? "localhost" : h.host) }
        if let host = parameters.first(where: { $0.key == "host" })?.value { parts = [host] }
        let server = parts.isEmpty ? "the default socket" : parts.joined(separator: ",")
        return "\(server)/\(database ?? user ?? "")"
    }
}

/// A malformed `DATABASE_URL`; the reason never quotes the password.
public struct PostgresURLError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "invalid PostgreSQL URL: \(reason)" }
}
