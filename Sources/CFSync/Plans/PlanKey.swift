import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// The key saved plans are signed with (HMAC-SHA256): 32 random bytes in the state dir,
/// `plans/key`, mode 0600, made by the first plan that needs it. Only someone who can read
/// the state dir can sign a plan `apply --plan` accepts; a hash anyone can recompute would
/// let an edited plan pass.
struct PlanKey {
    static let file = "plans/key"
    static let size = 32

    private let key: SymmetricKey

    private init(_ bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
    }

    /// The state dir's key; nil when it has none (no plan was ever made with it).
    static func existing(in dir: StateDirectory) throws -> PlanKey? {
        guard let bytes = try dir.read(file) else { return nil }
        guard bytes.count == size else {
            throw dir.failure("\(file) is damaged (\(bytes.count) bytes, not \(size)); remove it (plans made with it can then no longer be applied)")
        }
        return PlanKey(bytes)
    }

    /// The state dir's key, made now when it has none. Two runs making it at once agree
    /// on one: the new key is linked into place, which fails if another run was first.
    static func make(in dir: StateDirectory) throws -> PlanKey {
        if let key = try existing(in: dir) { return key }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let draft = "\(file).new-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        try dir.write(draft, bytes)
        defer { try? dir.remove(draft) }
        if link(try dir.fullPath(draft), try dir.fullPath(file)) != 0, errno != EEXIST {
            throw dir.failure("cannot create \(file): \(String(cString: strerror(errno)))")
        }
        guard let key = try existing(in: dir) else { throw dir.failure("\(file) vanished while it was made") }
        return key
    }

    /// Lowercase hex HMAC-SHA256 of `bytes`.
    func sign(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in HMAC<SHA256>.authenticationCode(for: bytes, using: key) {
            hex += [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]]
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Whether `signature` is this key's HMAC of `bytes` (compared in constant time).
    func verify(_ signature: String, _ bytes: [UInt8]) -> Bool {
        let hex = Array(signature.utf8)
        guard hex.count == 64 else { return false }
        var mac: [UInt8] = []
        for index in stride(from: 0, to: hex.count, by: 2) {
            guard let high = Self.nibble(hex[index]), let low = Self.nibble(hex[index + 1]) else { return false }
            mac.append(high << 4 | low)
        }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: bytes, using: key)
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
