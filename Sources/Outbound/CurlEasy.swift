import CCurl
import Foundation

/// One libcurl easy handle and the error buffer whose address it keeps.
///
/// `@unchecked Sendable` because ownership is exclusive, not shared: a handle is
/// used by one thread at a time, handed between threads only through
/// `OutboundHTTPClient`'s pool lock (libcurl allows that, "Threads" in libcurl-thread(3)).
final class CurlEasy: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws(OutboundError) {
        guard CurlGlobal.initialized else { throw .other(code: -1, message: "curl_global_init failed") }
        guard let raw = curl_easy_init() else { throw .other(code: -1, message: "curl_easy_init failed") }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        resetOptions()
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Forgets every option (and so every pointer into Swift memory) but keeps
    /// live connections and the DNS cache, which is the point of reusing handles.
    func resetOptions() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
        _ = ccurl_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer)
        // Signals are not ours to take in a multi-threaded server; timeouts still work
        // because libcurl is built with the threaded resolver.
        _ = ccurl_setopt_long(raw, CURLOPT_NOSIGNAL, 1)
    }

    func set(_ option: CURLoption, _ value: Int) throws(OutboundError) {
        try check(ccurl_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws(OutboundError) {
        // libcurl copies string options (CURLOPT_* "STRINGPOINT"), so a temporary is fine.
        try check(ccurl_setopt_string(raw, option, value), option)
    }

    func set(_ option: CURLoption, offset value: Int) throws(OutboundError) {
        try check(ccurl_setopt_off_t(raw, option, curl_off_t(value)), option)
    }

    func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) throws(OutboundError) {
        try check(ccurl_setopt_slist(raw, option, list), option)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(OutboundError) {
        try check(ccurl_setopt_pointer(raw, option, pointer), option)
    }

    /// Timeouts in milliseconds, at least 1 (0 would mean "no timeout" to libcurl).
    func setTimeouts(connect: Double, total: Double) throws(OutboundError) {
        try set(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int((connect * 1000).rounded())))
        try set(CURLOPT_TIMEOUT_MS, max(1, Int((total * 1000).rounded())))
    }

    func perform() -> CURLcode { curl_easy_perform(raw) }

    /// The last response code (HTTP status or SMTP reply code).
    func responseCode() -> Int {
        var code = 0
        _ = ccurl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// The address of the last connection (`CURLINFO_PRIMARY_IP`), nil before any.
    func primaryIP() -> String? {
        var text: UnsafeMutablePointer<CChar>?
        guard ccurl_getinfo_string(raw, CURLINFO_PRIMARY_IP, &text) == CURLE_OK, let text, text[0] != 0 else { return nil }
        return String(cString: text)
    }

    /// Maps a failed `CURLcode` to our error, preferring libcurl's detailed message.
    func error(for code: CURLcode) -> OutboundError {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        return CurlEasy.map(code, message: detail)
    }

    static func map(_ code: CURLcode, message: String) -> OutboundError {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectFailed(message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            return .tls(message)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidURL(message)
        default:
            return .other(code: Int(code.rawValue), message: message)
        }
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(OutboundError) {
        guard code == CURLE_OK else {
            throw .other(code: Int(code.rawValue), message: "curl_easy_setopt(\(option.rawValue)) failed")
        }
    }
}

/// `curl_global_init` exactly once, before the first handle (a lazy `static let`
/// is initialised under a lock by the Swift runtime).
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

/// A `curl_slist` built from Swift strings and freed with its owner.
final class CurlStringList {
    private(set) var head: UnsafeMutablePointer<curl_slist>?

    init(_ items: [String] = []) {
        for item in items { append(item) }
    }

    func append(_ item: String) {
        // curl_slist_append copies the string.
        if let extended = curl_slist_append(head, item) { head = extended }
    }

    deinit { curl_slist_free_all(head) }
}
