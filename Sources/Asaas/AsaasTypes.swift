import Support

/// How a charge is paid (`billingType`). An open set: Asaas adds values, so unknown ones still decode.
public struct AsaasBillingType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let undefined = AsaasBillingType("UNDEFINED")
    public static let boleto = AsaasBillingType("BOLETO")
    public static let creditCard = AsaasBillingType("CREDIT_CARD")
    public static let pix = AsaasBillingType("PIX")
    public static let debitCard = AsaasBillingType("DEBIT_CARD")
    public static let transfer = AsaasBillingType("TRANSFER")
    public static let deposit = AsaasBillingType("DEPOSIT")
}

/// A charge's `status` (CONTRACT.md §4.2); an open set.
public struct AsaasPaymentStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let pending = AsaasPaymentStatus("PENDING")
    public static let received = AsaasPaymentStatus("RECEIVED")
    public static let confirmed = AsaasPaymentStatus("CONFIRMED")
    public static let overdue = AsaasPaymentStatus("OVERDUE")
    public static let refunded = AsaasPaymentStatus("REFUNDED")
    public static let receivedInCash = AsaasPaymentStatus("RECEIVED_IN_CASH")
    public static let refundRequested = AsaasPaymentStatus("REFUND_REQUESTED")
    public static let refundInProgress = AsaasPaymentStatus("REFUND_IN_PROGRESS")
    public static let authorized = AsaasPaymentStatus("AUTHORIZED")
    public static let awaitingRiskAnalysis = AsaasPaymentStatus("AWAITING_RISK_ANALYSIS")

    /// CONFIRMED, RECEIVED or RECEIVED_IN_CASH: the customer has paid.
    public var isPaid: Bool { self == .confirmed || self == .received || self == .receivedInCash }
}

/// A subscription's billing `cycle`; an open set.
public struct AsaasCycle: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let weekly = AsaasCycle("WEEKLY")
    public static let biweekly = AsaasCycle("BIWEEKLY")
    public static let monthly = AsaasCycle("MONTHLY")
    public static let bimonthly = AsaasCycle("BIMONTHLY")
    public static let quarterly = AsaasCycle("QUARTERLY")
    public static let semiannually = AsaasCycle("SEMIANNUALLY")
    public static let yearly = AsaasCycle("YEARLY")
}

/// One page of a list endpoint (`{"object":"list","hasMore","totalCount","limit","offset","data"}`).
public struct AsaasList<Element: Sendable>: Sendable {
    public var data: [Element]
    public var hasMore: Bool
    public var totalCount: Int
    public var limit: Int
    public var offset: Int

    public init(data: [Element], hasMore: Bool, totalCount: Int, limit: Int, offset: Int) {
        self.data = data
        self.hasMore = hasMore
        self.totalCount = totalCount
        self.limit = limit
        self.offset = offset
    }

    static func decode(_ json: JSON, element: (JSON) throws(AsaasError) -> Element) throws(AsaasError) -> AsaasList {
        guard let items = json["data"]?.arrayValue else { throw .invalidResponse("list has no data array") }
        var data: [Element] = []
        data.reserveCapacity(items.count)
        for item in items { data.append(try element(item)) }
        return AsaasList(data: data, hasMore: json["hasMore"]?.boolValue ?? false,
                         totalCount: json["totalCount"]?.intValue.map(Int.init) ?? data.count,
                         limit: json["limit"]?.intValue.map(Int.init) ?? data.count,
                         offset: json["offset"]?.intValue.map(Int.init) ?? 0)
    }
}

/// Lenient field access for decoding: absent, null or wrongly typed fields read as nil.
extension JSON {
    func string(_ key: String) -> String? { self[key]?.stringValue }
    func bool(_ key: String) -> Bool? { self[key]?.boolValue }
    func int(_ key: String) -> Int? { self[key]?.intValue.map { Int(truncatingIfNeeded: $0) } }

    /// The non-empty string `key`, or `.invalidResponse` naming the resource.
    func requiredString(_ key: String, in resource: String) throws(AsaasError) -> String {
        guard let value = self[key]?.stringValue, !value.isEmpty else {
            throw .invalidResponse("\(resource) without \(key)")
        }
        return value
    }
}
