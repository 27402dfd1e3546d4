import Crypto

/// Lowercase hex SHA-256: how bodies are named in the cache and reported in `sources`.
public enum SHA256Hex {
    public static func of(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        // Through its bytes: iterating the digest itself instantiates its iterator's generic
        // type at run time, a conformance lookup over the whole binary (~0.3M instructions).
        SHA256.hash(data: bytes).withUnsafeBytes { digest in
            for byte in digest {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True for exactly 64 lowercase hex digits (safe to use as a file name).
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
