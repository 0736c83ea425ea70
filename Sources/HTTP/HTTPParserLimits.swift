/// The hard limits the request parser enforces (STYLE 7: every unbounded read is a denial of service).
public struct HTTPParserLimits: Sendable {
    /// Longest request line (method, target, version) before 414.
    public var maxRequestLineBytes = 8 * 1024
    /// Largest header section (and trailer section) before 431.
    public var maxHeaderBytes = 32 * 1024
    /// Most header fields before 431.
    public var maxHeaderCount = 100
    /// Largest body before 413, unless `bodyLimitOverrides` names the path.
    public var maxBodyBytes = 1 << 20
    /// Exact decoded path → body limit.
    public var bodyLimitOverrides: [String: Int] = [:]

    public init() {}

    public func bodyLimit(forPath path: String) -> Int {
        bodyLimitOverrides[path] ?? maxBodyBytes
    }
}
