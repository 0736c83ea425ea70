import CSystemLinux
import Glibc
import Synchronization

/// Bytes from the kernel's CSPRNG (`getrandom(2)`), used for ids, keys and tokens.
///
/// Small requests (ids, per event at ingestion volume) are served from a 4 KiB block refilled from
/// `getrandom`, so the hot path makes one syscall per 256 ids instead of one per id. Every byte is
/// handed out once and comes straight from the kernel's CSPRNG.
public enum SecureRandom {
    private struct Pool {
        var block = [UInt8](repeating: 0, count: 4096)
        var offset = 4096
    }

    private static let pool = Mutex(Pool())

    /// Returns `count` cryptographically secure random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count <= 64 else { return fresh(count) }
        return pool.withLock { p in
            if p.offset + count > p.block.count {
                fill(&p.block)
                p.offset = 0
            }
            defer { p.offset += count }
            return Array(p.block[p.offset..<(p.offset + count)])
        }
    }

    /// Lower-case hex of `count` random bytes.
    public static func hex(_ count: Int) -> String { Hex.encode(bytes(count)) }

    private static func fresh(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        fill(&out)
        return out
    }

    private static func fill(_ buffer: inout [UInt8]) {
        let count = buffer.count
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { buf in
                getrandom(buf.baseAddress! + filled, count - filled, 0)
            }
            if n < 0 {
                if errno == EINTR { continue }
                fatalError("getrandom failed: errno \(errno)")  // the kernel CSPRNG is not optional
            }
            filled += n
        }
    }
}

/// Lower-case hexadecimal encoding.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lower-case hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
