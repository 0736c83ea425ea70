import Glibc
import CSystemLinux

/// Bytes from the kernel's CSPRNG (`getrandom(2)`), used for ids, keys and tokens.
public enum SecureRandom {
    /// Returns `count` cryptographically secure random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { buf in
                getrandom(buf.baseAddress! + filled, count - filled, 0)
            }
            if n < 0 {
                if errno == EINTR { continue }
                fatalError("getrandom failed: errno \(errno)")  // the kernel CSPRNG is not optional
            }
            filled += n
        }
        return out
    }

    /// Lower-case hex of `count` random bytes.
    public static func hex(_ count: Int) -> String { Hex.encode(bytes(count)) }
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
