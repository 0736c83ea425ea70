import AdminAPI
import Billing
import Foundation
import Storage
import Support

/// `billing-server jobs run NAME [--now RFC3339] [--dry-run]`: one job, recorded in `job_runs`.
///
/// Exit codes: 0 when the run finished (`ok`, `partial` or `skipped`, printed as JSON), 1 when it failed,
/// 2 for bad usage.
enum JobsCommand {
    static let usage = "jobs run NAME [--now RFC3339] [--dry-run]   Run a billing job once (\(JobName.allCases.map(\.rawValue).joined(separator: ", ")))"

    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.first == "run", arguments.count >= 2 else { return CommandLineInterface.usageError("expected: \(usage)") }
        guard let job = JobName(rawValue: arguments[1]) else {
            return CommandLineInterface.usageError("unknown job '\(arguments[1])' (jobs: \(JobName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var now: Date?
        var dryRun = false
        var i = 2
        while i < arguments.count {
            switch arguments[i] {
            case "--dry-run":
                dryRun = true
                i += 1
            case "--now":
                guard i + 1 < arguments.count, let d = RFC3339.parse(arguments[i + 1]) else {
                    return CommandLineInterface.usageError("--now needs an RFC 3339 timestamp such as 2026-03-01T00:00:00Z")
                }
                now = d
                i += 2
            default:
                return CommandLineInterface.usageError("unknown option '\(arguments[i])'")
            }
        }
        return CommandLineInterface.withConfiguration([]) { configuration in
            do {
                let db = try CommandLineInterface.openDatabase(configuration)
                defer { db.close() }
                _ = try db.migrate(directory: configuration.application.migrationsDirectory)
                let billing = configuration.application.billing
                // retry_payments charges through the same gateway path as the server (nil when ASAAS_ENABLED=false).
                let gateway = AsaasGateway.make(configuration.application.asaas, version: configuration.application.version,
                                                logger: Logger(level: configuration.logLevel))
                let payments = PaymentService(database: db, clock: SystemClock(), gateway: gateway,
                                              paymentMethods: PaymentMethodService(database: db, clock: SystemClock(), settings: billing))
                let runner = JobRunner(database: db, clock: SystemClock(), settings: billing,
                                       charger: gateway == nil ? nil : GatewayInvoiceCharger(payments: payments),
                                       delivery: DeliveryTransports.makeDelivery(database: db, clock: SystemClock(), settings: billing))
                let run = try runner.run(job, now: now, dryRun: dryRun, trigger: .cli)
                let summary: JSON = ["job": .string(run.job), "outcome": .string(run.outcome.rawValue), "as_of": .string(RFC3339.format(run.asOf)),
                                     "dry_run": .bool(run.dryRun), "message": JSON(run.message), "counts": run.countsJSON]
                CommandLineInterface.say(summary.serializedString())
                return run.outcome == .failed ? 1 : 0
            } catch {
                FileHandle.standardError.write(Data("jobs run failed: \(error)\n".utf8))
                return 1
            }
        }
    }
}
