import Glibc
import CSystemLinux

/// The few file-system calls static file serving needs, behind the same errno gate as sockets.
public enum FileSystem {
    /// What `stat(2)` says about a path.
    public struct Info: Hashable, Sendable {
        public var size: Int
        public var modifiedNanoseconds: Int64
        public var isDirectory: Bool
        public var isRegularFile: Bool
    }

    /// The canonical absolute path with every symlink resolved (`realpath(3)`), or nil if it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `stat(2)` following symlinks, or nil when the path does not exist or cannot be read.
    public static func info(_ path: String) -> Info? {
        var size: Int64 = 0, mtime: Int64 = 0, isDir: Int32 = 0, isReg: Int32 = 0
        guard (try? syscallBlocking("stat") { csl_stat(path, &size, &mtime, &isDir, &isReg) }) != nil else { return nil }
        return Info(size: Int(size), modifiedNanoseconds: mtime, isDirectory: isDir != 0, isRegularFile: isReg != 0)
    }

    /// Reads a whole regular file, or nil on any error.
    public static func readFile(_ path: String, maxBytes: Int = 64 << 20) -> [UInt8]? {
        guard let raw = try? syscallBlocking("open", { Glibc.open(path, O_RDONLY | O_CLOEXEC) }) else { return nil }
        let fd = FileDescriptor(rawValue: raw)
        defer { fd.close() }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let result = try? chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
            guard case .done(let n)? = result else { return nil }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > maxBytes { return nil }
        }
    }
}
