import AdminAPI
import Billing
import Foundation
import Support

/// Where the data keys come from, decided once per command (security round item 6): `PAYMENT_DATA_KEY`
/// (with `PAYMENT_DATA_KEY_PREVIOUS` during a rotation), else the key file, else — on the first start of an
/// embedded SQLite server — a key generated into a new 0600 key file beside the database (a named `DATA_KEY_FILE`
/// that is missing on PostgreSQL is an error: every instance must share one ring). Without any key a
/// server handling live money (`ASAAS_PRODUCTION=true`) refuses to start; otherwise it warns loudly.
enum DataKeySetup {
    enum Outcome {
        case environment
        case file(path: String, created: Bool, keys: Int)
        case none
    }

    static func apply(_ configuration: inout Configuration, createIfMissing: Bool) throws -> Outcome {
        if configuration.application.billing.paymentDataKey != nil { return .environment }
        guard let path = configuration.application.dataKeyFile else { return try noKey(configuration) }
        let file = DataKeyFile(path: path)
        do {
            if file.exists {
                let ring = try file.read()
                configuration.application.billing.useDataKeys(ring)
                return .file(path: path, created: false, keys: ring.keys.count)
            }
            // Only an embedded server makes its own key: instances on one PostgreSQL database must share one ring,
            // so each generating its own would seal values the others cannot open.
            guard createIfMissing, configuration.application.databaseURL == nil else {
                if configuration.application.databaseURL != nil, createIfMissing {
                    throw DataKeyFileProblem("\(path) does not exist; on PostgreSQL create it once (billing-server rotate-data-key) and give every instance the same file")
                }
                return try noKey(configuration)
            }
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            let made = try file.createIfMissing()
            configuration.application.billing.useDataKeys(made.ring)
            return .file(path: path, created: made.created, keys: made.ring.keys.count)
        } catch let problem as DataKeyFileProblem {
            throw ConfigurationError(key: "DATA_KEY_FILE", reason: problem.description)
        } catch {
            throw ConfigurationError(key: "DATA_KEY_FILE", reason: "\(path): \(error.localizedDescription)")
        }
    }

    static func noKey(_ configuration: Configuration) throws -> Outcome {
        if configuration.application.asaas.production {
            throw ConfigurationError(key: "PAYMENT_DATA_KEY", reason: "or DATA_KEY_FILE is required with ASAAS_PRODUCTION=true: card tokens and webhook secrets must be sealed")
        }
        return .none
    }

    /// The startup lines for the outcome (key ids and paths, never a key).
    static func log(_ outcome: Outcome, ring: DataKeyRing, logger: Logger) {
        switch outcome {
        case .environment:
            logger.info("data keys from PAYMENT_DATA_KEY", ["current_key_id": ring.current?.id ?? "", "keys": String(ring.keys.count)])
        case .file(let path, true, _):
            logger.warning("generated a data key: back this file up with the database, or sealed secrets are lost with it",
                           ["path": path, "current_key_id": ring.current?.id ?? ""])
        case .file(let path, false, let keys):
            logger.info("data keys from the key file", ["path": path, "current_key_id": ring.current?.id ?? "", "keys": String(keys)])
        case .none:
            logger.warning("NO DATA KEY: webhook signing secrets are stored in plaintext and card payment methods are refused; set PAYMENT_DATA_KEY or DATA_KEY_FILE")
        }
    }
}
