/// What cfsync's last verified nftables commit left in its sets, and at which ruleset
/// generation, so the next run can skip the element dump (at 100k prefixes the dump costs the
/// kernel about as much as loading the set).
///
/// Why it is safe: the kernel adds one to the generation for every committed transaction of any
/// program, and set elements change only by such transactions (cfsync's sets have no timeouts,
/// and a rule that adds to them from the packet path would have to live in cfsync's table,
/// whose structure is checked). So while the generation is the recorded one, within the same
/// boot and network namespace, the sets hold exactly the recorded prefixes; any other commit
/// (`nft add element`, a reload, `flush ruleset`) makes the record worthless.
public struct NftCommitRecord: Equatable, Sendable {
    /// Where a generation counts: it restarts with every boot and is kept per network namespace.
    public struct Place: Equatable, Sendable {
        /// `/proc/sys/kernel/random/boot_id`.
        public var bootID: String
        /// The network namespace's cookie (SO_NETNS_COOKIE), never reused within a boot.
        public var netnsCookie: UInt64

        public init(bootID: String, netnsCookie: UInt64) {
            self.bootID = bootID
            self.netnsCookie = netnsCookie
        }
    }

    public var place: Place
    /// The ruleset generation right after cfsync's commit, read from the kernel.
    public var generation: UInt32
    /// The families whose sets cfsync's table holds, sorted.
    public var families: [Family]
    /// The prefixes of each of `families`, sorted and disjoint, as proven in the kernel.
    public var lists: AddressLists

    public init(place: Place, generation: UInt32, families: [Family], lists: AddressLists) {
        self.place = place
        self.generation = generation
        self.families = families.sorted()
        self.lists = lists
    }

    static let header = "cfsync nftables-commit 1"

    /// The file's bytes: the header, the facts, each family's prefixes after their count, and
    /// a last line with the SHA-256 (`sha256`, lowercase hex) of everything before it.
    public func render(sha256: ([UInt8]) -> String) -> [UInt8] {
        var bytes = Array("""
            \(Self.header)
            boot \(place.bootID)
            netns \(place.netnsCookie)
            generation \(generation)
            families \(families.map(\.rawValue).joined(separator: " "))

            """.utf8)
        for family in families {
            let prefixes = lists.prefixes(family).descriptions
            bytes += Array("\(family.rawValue) \(prefixes.count)\n".utf8)
            for prefix in prefixes {
                bytes += prefix.utf8
                bytes.append(0x0a)
            }
        }
        bytes += Array("sha256 \(sha256(bytes))\n".utf8)
        return bytes
    }

    /// Why a file is not a record.
    public struct Damage: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `render`'s bytes; anything else, including a checksum that does not match, is
    /// `Damage`.
    public init(parsing bytes: [UInt8], sha256: ([UInt8]) -> String) throws(Damage) {
        guard bytes.last == 0x0a else { throw Damage(description: "does not end with a newline") }
        let lastLineStart = bytes.dropLast().lastIndex(of: 0x0a).map { $0 + 1 } ?? 0
        let sealed = Array(bytes[..<lastLineStart])
        guard String(decoding: bytes[lastLineStart..<(bytes.count - 1)], as: UTF8.self) == "sha256 \(sha256(sealed))" else {
            throw Damage(description: "its checksum does not match its content")
        }
        var lines = LineReader(sealed)
        guard lines.next() == Self.header else { throw Damage(description: "is not a version 1 record") }
        let bootID = try lines.value("boot")
        guard let cookie = UInt64(try lines.value("netns")) else { throw Damage(description: "bad netns line") }
        guard let generation = UInt32(try lines.value("generation")) else { throw Damage(description: "bad generation line") }
        var families: [Family] = []
        for word in try lines.value("families").split(separator: " ") {
            guard let family = Family(rawValue: String(word)), families.last.map({ $0 < family }) ?? true else {
                throw Damage(description: "bad families line")
            }
            families.append(family)
        }
        var lists = AddressLists()
        for family in families {
            guard let count = Int(try lines.value(family.rawValue)), count >= 0 else {
                throw Damage(description: "bad \(family.rawValue) count")
            }
            switch family {
            case .ipv4: lists.ipv4 = try lines.prefixes(count)
            case .ipv6: lists.ipv6 = try lines.prefixes(count)
            }
        }
        guard lines.atEnd else { throw Damage(description: "has lines after its prefixes") }
        self.init(place: Place(bootID: bootID, netnsCookie: cookie), generation: generation, families: families, lists: lists)
    }

    /// Whether the kernel may be taken to hold the recorded prefixes without reading them.
    public enum Trust: Equatable, Sendable {
        case trusted(AddressLists)
        case distrusted(Distrust)
    }

    /// Why a record is not trusted; each one sends the run to the element dump.
    public enum Distrust: Equatable, Sendable, CustomStringConvertible {
        case noRecord
        /// The kernel cannot say which namespace this is (no SO_NETNS_COOKIE before Linux 5.14).
        case unknownPlace
        case otherBoot
        case otherNamespace
        /// Another commit, of any program, since cfsync's.
        case generationMoved(recorded: UInt32, now: UInt32)
        /// cfsync's table is not shaped as the policy asks.
        case structureDiffers
        /// The table's sets are not the recorded families.
        case otherFamilies

        public var description: String {
            switch self {
            case .noRecord: "no commit record"
            case .unknownPlace: "the kernel does not tell the network namespace"
            case .otherBoot: "recorded in another boot"
            case .otherNamespace: "recorded in another network namespace"
            case .generationMoved(let recorded, let now): "the ruleset generation moved from \(recorded) to \(now)"
            case .structureDiffers: "cfsync's table differs from the policy"
            case .otherFamilies: "cfsync's table holds other sets than recorded"
            }
        }
    }

    /// The decision `observe` takes before dumping: trust `record` only when it was made in this
    /// boot and network namespace, nothing committed since (`generation`, read before the
    /// structure), the table is shaped as the policy asks and holds the recorded families' sets.
    public static func trust(_ record: NftCommitRecord?, place: Place?, generation: UInt32,
                             structureMatches: Bool, families: [Family]) -> Trust {
        guard let record else { return .distrusted(.noRecord) }
        guard let place else { return .distrusted(.unknownPlace) }
        guard record.place.bootID == place.bootID else { return .distrusted(.otherBoot) }
        guard record.place.netnsCookie == place.netnsCookie else { return .distrusted(.otherNamespace) }
        guard record.generation == generation else {
            return .distrusted(.generationMoved(recorded: record.generation, now: generation))
        }
        guard structureMatches else { return .distrusted(.structureDiffers) }
        guard record.families == families.sorted() else { return .distrusted(.otherFamilies) }
        return .trusted(record.lists)
    }
}

/// The lines of a record, without their newlines.
private struct LineReader {
    let bytes: [UInt8]
    var at = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { at >= bytes.count }

    mutating func nextRange() -> Range<Int>? {
        guard !atEnd else { return nil }
        let end = bytes[at...].firstIndex(of: 0x0a) ?? bytes.count
        defer { at = end + 1 }
        return at..<end
    }

    mutating func next() -> String? {
        nextRange().map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    /// The rest of a `key value` line.
    mutating func value(_ key: String) throws(NftCommitRecord.Damage) -> String {
        guard let line = next(), line.hasPrefix(key + " ") else { throw NftCommitRecord.Damage(description: "has no \(key) line") }
        return String(line.dropFirst(key.count + 1))
    }

    /// `count` lines of prefixes, sorted and disjoint.
    mutating func prefixes<P: IPPrefix>(_ count: Int) throws(NftCommitRecord.Damage) -> [P] {
        var result: [P] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard let range = nextRange() else { throw NftCommitRecord.Damage(description: "has fewer prefixes than it counts") }
            let prefix = try? bytes.withUnsafeBufferPointer { all throws(PrefixError) in
                try P(utf8: UnsafeBufferPointer(rebasing: all[range]))
            }
            guard let prefix, result.last.map({ $0.last < prefix.first }) ?? true else {
                throw NftCommitRecord.Damage(description: "has a prefix that is malformed, out of order or overlapping")
            }
            result.append(prefix)
        }
        return result
    }
}
