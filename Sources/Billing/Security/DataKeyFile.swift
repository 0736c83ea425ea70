import Foundation
import Support

/// The data key file (`DATA_KEY_FILE`, 0600): read, created on the first start of an embedded (SQLite)
/// server, and replaced atomically by a rotation.
public struct DataKeyFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Where the key file lives by default: beside the SQLite database.
    public static func besideDatabase(_ databasePath: String) -> String {
        (databasePath as NSString).deletingLastPathComponent.appending("/data-key")
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// The ring in the file; refuses a file that group or others may read (like ssh with a private key).
    public func read() throws -> DataKeyRing {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw DataKeyFileProblem("\(path) may be read by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do {
            return try DataKeyRing.parse(fileText: text)
        } catch {
            throw DataKeyFileProblem("\(path): \(error.description)")
        }
    }

    /// A fingerprint that changes when the file is replaced (inode, size, modification time), to reload it.
    public func stamp() -> String? {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let inode = (a[.systemFileNumber] as? NSNumber)?.int64Value ?? 0
        let size = (a[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(inode):\(size):\(modified)"
    }

    /// Creates the file with one fresh key, only if there is none (`O_EXCL`: two processes starting at once
    /// cannot both create one). Returns the ring in the file afterwards.
    public func createIfMissing() throws -> (ring: DataKeyRing, created: Bool) {
        let ring = try DataKeyRing(current: SecretBox.makeKey())
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd < 0 {
            if errno == EEXIST { return (try read(), false) }
            throw DataKeyFileProblem("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        try writeAll(fd, ring.fileText)
        return (ring, true)
    }

    /// Replaces the file atomically (a 0600 temporary file, fsync, rename, fsync of the directory), so a
    /// crash leaves either the old ring or the new one, never half of one.
    public func replace(with ring: DataKeyRing) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw DataKeyFileProblem("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        try writeAll(fd, ring.fileText)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw DataKeyFileProblem("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    private func writeAll(_ fd: Int32, _ text: String) throws {
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataKeyFileProblem("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
        guard fsync(fd) == 0 else { throw DataKeyFileProblem("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}

/// Why the key file cannot be used; the text names the file and never a key.
public struct DataKeyFileProblem: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
