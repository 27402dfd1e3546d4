import CFSyncCore
import CNftNetlink
import Glibc

/// Everything `NftablesBackend` asks of the kernel, so that its decisions (when to trust a
/// commit record, when a commit is proven) run against `FakeNftKernel` in tests as well as
/// against the real kernel (`SystemNftKernel`).
public protocol NftKernel {
    /// The ruleset generation (NFT_MSG_GETGEN): one more for every committed transaction.
    func generation() throws(NftError) -> UInt32

    /// The boot and network namespace the ruleset lives in; nil when the kernel cannot say.
    func place() -> NftCommitRecord.Place?

    /// A libnftables command: a listing (`list ruleset inet` in `.terse` is the structure
    /// without set elements) or a script, which is one transaction.
    @discardableResult
    func run(_ commands: String, format: NftContext.OutputFormat) throws(NftError) -> String

    /// Every element of `set` in table `inet cfsync` (one netlink dump).
    func elements(set: String, keyLength: Int) throws(NftError) -> [NftIntervalSet.Element]

    /// Element changes to sets of table `inet cfsync` as one netlink batch, committed only at
    /// `generation` (see `NftSets.change`).
    func change(generation: UInt32, _ changes: [NftSets.Changes]) throws(NftError)
}

extension NftKernel {
    @discardableResult
    public func run(_ commands: String) throws(NftError) -> String {
        try run(commands, format: .text)
    }
}

/// The kernel itself: libnftables for commands, netlink for generation, elements and changes.
public struct SystemNftKernel: NftKernel {
    private let nft: NftContext
    private let table: String

    public init(table: String) throws(NftError) {
        nft = try NftContext()
        self.table = table
    }

    public func generation() throws(NftError) -> UInt32 {
        try NftSets.generation()
    }

    public func place() -> NftCommitRecord.Place? {
        var cookie: UInt64 = 0
        guard cfnl_netns_cookie(&cookie) == 0, let bootID = Self.bootID() else { return nil }
        return NftCommitRecord.Place(bootID: bootID, netnsCookie: cookie)
    }

    @discardableResult
    public func run(_ commands: String, format: NftContext.OutputFormat) throws(NftError) -> String {
        try nft.run(commands, format: format)
    }

    public func elements(set: String, keyLength: Int) throws(NftError) -> [NftIntervalSet.Element] {
        try NftSets.elements(table: table, set: set, keyLength: keyLength)
    }

    public func change(generation: UInt32, _ changes: [NftSets.Changes]) throws(NftError) {
        try NftSets.change(table: table, generation: generation, changes)
    }

    /// `/proc/sys/kernel/random/boot_id` without its newline; nil when unreadable.
    private static func bootID() -> String? {
        let fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first.map(String.init)
        return text?.isEmpty == false ? text : nil
    }
}
