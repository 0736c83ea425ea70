import AdminAPI
import Billing
import Foundation
import Storage
import Support

/// `billing-server rotate-data-key`: moves every sealed secret to a new data key, online (security round item 6).
///
/// 1. The key file gets the new key as `current` and keeps the old ones as `previous` (an atomic replace), so
///    every value stays readable; serving processes reload the file within seconds and seal with the new key.
/// 2. Passes re-seal webhook signing secrets and payment tokens under the new key, in small transactions,
///    until a pass finds nothing left to do.
/// 3. The old keys are retired from the file.
/// A crash at any point is finished by running the command again: a file holding old keys means a rotation
/// under way, which is resumed instead of starting another.
enum RotateDataKeyCommand {
    static let usage = """
        rotate-data-key [--settle-seconds N]
                                              Re-seal webhook secrets and payment tokens under a new data key (online,
                                              resumable); with PAYMENT_DATA_KEY + PAYMENT_DATA_KEY_PREVIOUS, re-seal only
        """

    static func run(_ arguments: [String]) -> Int32 {
        var settle = 5.0
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--settle-seconds":
                guard i + 1 < arguments.count, let n = Double(arguments[i + 1]), (0...600).contains(n) else {
                    return CommandLineInterface.usageError("--settle-seconds needs a number of seconds (0–600)")
                }
                settle = n
                i += 2
            default:
                return CommandLineInterface.usageError("unknown option '\(arguments[i])'")
            }
        }
        return CommandLineInterface.withConfiguration([]) { configuration in
            do {
                return try rotate(configuration, settle: settle)
            } catch {
                FileHandle.standardError.write(Data("rotate-data-key failed: \(error)\n".utf8))
                return 1
            }
        }
    }

    static func rotate(_ configuration: Configuration, settle: Double) throws -> Int32 {
        let say = CommandLineInterface.say
        let billing = configuration.application.billing
        if billing.paymentDataKey != nil {
            guard !billing.previousDataKeys.isEmpty else {
                return CommandLineInterface.usageError("""
                    PAYMENT_DATA_KEY is set, so the keys are not in a file this command can change. Either move the key into \
                    DATA_KEY_FILE (a line 'current <key>', mode 0600) and unset PAYMENT_DATA_KEY, or rotate by hand: set the new key \
                    as PAYMENT_DATA_KEY and the old one as PAYMENT_DATA_KEY_PREVIOUS on every instance, restart them, run \
                    rotate-data-key (it re-seals only), then drop PAYMENT_DATA_KEY_PREVIOUS
                    """)
            }
            let database = try CommandLineInterface.openDatabase(configuration)
            defer { database.close() }
            let report = try resealUntilDone(database, keys: billing.dataKeys, settle: settle)
            if report.unopenable > 0 { return unopenable(report) }
            say("re-sealed under key \(billing.dataKeys.current.current?.id ?? ""); now remove PAYMENT_DATA_KEY_PREVIOUS and restart the instances")
            return 0
        }
        guard let path = configuration.application.dataKeyFile else {
            return CommandLineInterface.usageError("no key file: set DATA_KEY_FILE (shared by every instance on PostgreSQL)")
        }
        let file = DataKeyFile(path: path)
        var ring: DataKeyRing
        if !file.exists {
            ring = try file.createIfMissing().ring
            say("created \(path) with the first data key \(ring.current?.id ?? "")")
        } else {
            ring = try file.read()
            if ring.keys.count > 1 {
                say("resuming the rotation to key \(ring.current?.id ?? "") (\(ring.keys.count - 1) older key(s) still readable)")
            } else {
                ring = try ring.rotating(to: SecretBox.makeKey())
                try file.replace(with: ring)
                say("new data key \(ring.current?.id ?? ""); the old key \(ring.keys[1].id) stays readable until every value is re-sealed")
            }
        }
        // Serving processes re-read the file every 2 s; give them time to seal with the new key first.
        Thread.sleep(forTimeInterval: settle)
        let database = try CommandLineInterface.openDatabase(configuration)
        defer { database.close() }
        let report = try resealUntilDone(database, keys: DataKeys(ring), settle: settle)
        if report.unopenable > 0 { return unopenable(report) }
        if ring.keys.count > 1 {
            try file.replace(with: ring.retiringOlderKeys)
            say("rotation finished: every sealed value is under key \(ring.current?.id ?? ""); \(ring.keys.count - 1) old key(s) retired from \(path)")
        } else {
            say("every sealed value is under key \(ring.current?.id ?? "")")
        }
        return 0
    }

    /// Passes until one re-seals nothing (values sealed meanwhile by a process that had not reloaded yet are
    /// caught by the next pass); at most 20.
    static func resealUntilDone(_ database: Database, keys: DataKeys, settle: Double) throws -> ResealReport {
        let rotation = DataKeyRotation(database: database, keys: keys)
        var total = ResealReport()
        for pass in 1...20 {
            let report = try rotation.resealAll()
            total.resealed += report.resealed
            total.current = report.current
            total.unopenable = report.unopenable
            CommandLineInterface.say("pass \(pass): \(report.resealed) re-sealed, \(report.current) already under the new key, \(report.unopenable) unreadable")
            if report.resealed == 0 { return total }
            Thread.sleep(forTimeInterval: min(settle, 2))
        }
        throw DataKeyFileProblem("values kept appearing under old keys after 20 passes: is an instance reading another key file?")
    }

    static func unopenable(_ report: ResealReport) -> Int32 {
        FileHandle.standardError.write(Data("""
            rotate-data-key: \(report.unopenable) sealed value(s) cannot be opened by any configured key (sealed under a key that \
            is not in the ring, or altered); the old keys are kept. Add the missing key as a 'previous' line, or re-create the \
            affected webhook endpoints / payment methods, then run rotate-data-key again.

            """.utf8))
        return 1
    }
}
