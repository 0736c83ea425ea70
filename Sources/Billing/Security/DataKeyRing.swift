import Foundation
import Support

/// The data keys secrets at rest are sealed under: the current key seals, every key of the ring opens.
///
/// A ring holds more than one key only while a rotation is under way (`billing-server rotate-data-key`):
/// the new key first, the old ones after it, readable until every sealed value has been re-sealed under
/// the new key. Each key is known by an id derived from it (never the key itself), which a sealed value
/// names, so opening picks the right key without trying each.
public struct DataKeyRing: Sendable, Equatable {
    public struct Key: Sendable, Equatable {
        /// 16 hex digits of SHA-256 over a label and the key: names the key in sealed values and logs.
        public let id: String
        let material: [UInt8]

        init(material: [UInt8]) {
            self.material = material
            id = Hex.encode(Array(Crypto.sha256(Array("billing-server data key id".utf8) + material).prefix(8)))
        }
    }

    /// The current key first, then the older keys still readable.
    public let keys: [Key]

    /// The key that seals new values; nil for an empty ring (secrets then stay in plaintext).
    public var current: Key? { keys.first }

    /// No keys.
    public static let empty = DataKeyRing(keys: [])

    init(keys: [Key]) {
        var seen = Set<String>()
        self.keys = keys.filter { seen.insert($0.id).inserted }
    }

    /// A ring of base64 keys of 32 bytes each: `current` seals, `previous` only open.
    public init(current: String?, previous: [String] = []) throws {
        let texts = (current.map { [$0] } ?? []) + previous
        self.init(keys: try texts.filter { !$0.isEmpty }.map(Self.key))
    }

    static func key(_ base64: String) throws -> Key {
        guard let material = Crypto.decodeBase64(base64.trimmingCharacters(in: .whitespacesAndNewlines)), material.count == 32 else {
            throw SecretBoxError.invalidKey
        }
        return Key(material: material)
    }

    public func key(id: String) -> Key? { keys.first { $0.id == id } }

    /// The ring after starting a rotation to `newKey`: it seals, every key so far still opens.
    public func rotating(to newKey: String) throws -> DataKeyRing {
        DataKeyRing(keys: [try Self.key(newKey)] + keys)
    }

    /// The ring after a finished rotation: only the current key.
    public var retiringOlderKeys: DataKeyRing { DataKeyRing(keys: Array(keys.prefix(1))) }

    // MARK: - The key file

    /// The key file's text: a comment, then `current <base64>` and one `previous <base64>` per older key.
    public var fileText: String {
        var lines = ["# billing-server data keys (0600). The current key seals; every key here opens. Keep a copy with the",
                     "# database backups: without it, sealed webhook secrets and payment tokens cannot be read.",
                     "# Change it only with `billing-server rotate-data-key`."]
        for (i, key) in keys.enumerated() { lines.append("\(i == 0 ? "current" : "previous") \(Crypto.base64(key.material))") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a key file; `line N` names what is wrong, never a key.
    public static func parse(fileText: String) throws(DataKeyFileError) -> DataKeyRing {
        var keys: [Key] = []
        var sawCurrent = false
        for (n, raw) in fileText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0] == "current" || parts[0] == "previous" else {
                throw .malformed(line: n + 1, reason: "expected 'current <base64 key>' or 'previous <base64 key>'")
            }
            if parts[0] == "current" {
                guard !sawCurrent, keys.isEmpty else { throw .malformed(line: n + 1, reason: "the current key must come first, once") }
                sawCurrent = true
            } else if !sawCurrent {
                throw .malformed(line: n + 1, reason: "the current key must come first, once")
            }
            guard let key = try? Self.key(String(parts[1])) else { throw .malformed(line: n + 1, reason: "the key is not base64 of 32 bytes") }
            keys.append(key)
        }
        guard sawCurrent else { throw .malformed(line: 0, reason: "no current key") }
        return DataKeyRing(keys: keys)
    }
}

/// A key file that cannot be read as a ring.
public enum DataKeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(line: Int, reason: String)

    public var description: String {
        switch self {
        case .malformed(let line, let reason): line == 0 ? reason : "line \(line): \(reason)"
        }
    }
}

/// The ring the running process uses, replaceable while it runs (a rotation reloads the key file), shared by
/// every `SecretBox` made from it.
public final class DataKeys: Sendable {
    private let ring: LockedValue<DataKeyRing>

    public init(_ ring: DataKeyRing) {
        self.ring = LockedValue(ring)
    }

    /// The ring now.
    public var current: DataKeyRing { ring.get() }

    /// Swaps in a new ring (a rotation started or finished in another process).
    public func replace(_ new: DataKeyRing) { ring.set(new) }
}
