import Billing
import Support

/// Re-reads the data key file when it changes, so a `rotate-data-key` run reaches a serving process within
/// seconds: the new key seals from then on, and the old ones keep opening until the rotation retires them.
final class DataKeyReloader: Sendable {
    let file: DataKeyFile
    let keys: DataKeys
    let logger: Logger
    private let lastStamp: LockedValue<String?>

    init(file: DataKeyFile, keys: DataKeys, logger: Logger) {
        self.file = file
        self.keys = keys
        self.logger = logger
        lastStamp = LockedValue(file.stamp())
    }

    /// Reloads when the file's stamp moved; a file that cannot be read keeps the ring in use (and says why).
    func check() {
        let stamp = file.stamp()
        guard stamp != lastStamp.get(), stamp != nil else { return }
        lastStamp.set(stamp)
        do {
            let ring = try file.read()
            guard ring != keys.current else { return }
            keys.replace(ring)
            logger.info("data keys reloaded", ["path": file.path, "current_key_id": ring.current?.id ?? "", "keys": String(ring.keys.count)])
        } catch {
            logger.error("data key file changed but cannot be read; keeping the keys in use", ["path": file.path, "error": String(describing: error)])
        }
    }
}
