/// What a principal may do: `viewer` reads, `admin` also writes within its tenant,
/// `super-admin` does everything in every tenant.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case viewer
    case admin
    case superAdmin = "super-admin"

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .admin: 1
        case .superAdmin: 2
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }

    /// The accepted spellings, for validation messages.
    public static let allNames = Role.allCases.map(\.rawValue).joined(separator: ", ")
}
