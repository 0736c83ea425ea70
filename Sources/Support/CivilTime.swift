/// UTC calendar fields of a Unix time, by Howard Hinnant's civil-from-days algorithm: exact for the
/// whole proleptic Gregorian calendar, no time zone database, no allocation.
public struct CivilTime: Equatable, Sendable {
    public let year: Int64
    /// 1...12
    public let month: Int
    /// 1...31
    public let day: Int
    /// 0...86399
    public let secondOfDay: Int
    /// 0 = Sunday ... 6 = Saturday.
    public let weekday: Int

    public init(epochSeconds: Int64) {
        let days = epochSeconds >= 0 ? epochSeconds / 86400 : (epochSeconds - 86399) / 86400
        secondOfDay = Int(epochSeconds - days * 86400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
    }

    public var hour: Int { secondOfDay / 3600 }
    public var minute: Int { secondOfDay / 60 % 60 }
    public var second: Int { secondOfDay % 60 }
}
