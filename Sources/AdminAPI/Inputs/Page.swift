/// `limit` and `offset` of a list action, declared and read together.
public struct Page: Sendable {
    public let limit: Int
    public let offset: Int

    static func limitField(defaultLimit: Int64, maxLimit: Int64) -> Field<Int64> {
        .int("limit", "Items per page (default \(defaultLimit))", in: 1...maxLimit)
    }
    static let offsetField = Field<Int64>.int("offset", "Items to skip", in: 0...Int64(Int32.max))

    /// The two fields, for an input's `fields`.
    public static func fields(defaultLimit: Int64 = 100, maxLimit: Int64 = 500) -> [FieldSpec] {
        [limitField(defaultLimit: defaultLimit, maxLimit: maxLimit).spec, offsetField.spec]
    }

    public init(_ r: inout InputReader, defaultLimit: Int64 = 100, maxLimit: Int64 = 500) {
        limit = Int(r(Self.limitField(defaultLimit: defaultLimit, maxLimit: maxLimit)) ?? defaultLimit)
        offset = Int(r(Self.offsetField) ?? 0)
    }
}
