import CFSyncCore
import Foundation

/// What `plan --out FILE` keeps beside the report: everything `apply --plan FILE`
/// needs to apply exactly the reviewed change, a fingerprint of the installed state it
/// was computed against, and a signature keyed with the state dir's plan key. Before it
/// is applied a plan passes the option validation and every list guard again.
public struct SavedPlan: Codable, Equatable, Sendable {
    public static let formatVersion = 2

    public var format: Int
    public var cfsyncVersion: String
    public var backend: BackendKind
    public var policy: Policy
    /// The `--allow` entries the desired prefixes include.
    public var allow: [String]
    public var desired: AddressLists
    /// What the backend held when the plan was made, and its dump's SHA-256.
    public var installed: AddressLists
    public var installedFingerprint: String
    /// The lists the plan was made from, one per family.
    public var lists: [StoredList]
    /// HMAC-SHA256 of `signedBytes` with the state dir's `PlanKey`; "" until signed.
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case format, backend, policy, allow, desired, installed, lists
        case cfsyncVersion = "cfsync_version"
        case installedFingerprint = "installed_fingerprint"
        case signature = "hmac_sha256"
    }

    public init(backend: BackendKind, plan: SyncPlan, allow: [AnyPrefix], installed: AddressLists, installedDump: String, lists: [CachedList]) {
        format = Self.formatVersion
        cfsyncVersion = CFSyncCoreVersion.string
        self.backend = backend
        policy = plan.policy
        self.allow = allow.map(\.description)
        desired = plan.desired
        self.installed = installed
        installedFingerprint = SHA256Hex.of(Array(installedDump.utf8))
        self.lists = lists.map(StoredList.init)
        signature = ""
    }

    /// Every field `apply --plan` uses, length-prefixed so no edit can move bytes between them.
    var signedBytes: [UInt8] {
        func text(_ prefixes: [some CustomStringConvertible]) -> String { prefixes.map(\.description).joined(separator: ",") }
        let header = [
            "cfsync-plan \(format)", cfsyncVersion, backend.rawValue, policy.mode.rawValue, text(policy.ports),
            text(policy.families.map(\.rawValue)), "forward=\(policy.forward) ipset=\(policy.ipset)", allow.joined(separator: ","),
            text(desired.ipv4), text(desired.ipv6), text(installed.ipv4), text(installed.ipv6), installedFingerprint,
        ]
        return StoredList.canonicalBytes(header: header, lists: lists)
    }

    mutating func sign(with key: PlanKey) {
        signature = key.sign(signedBytes)
    }

    /// The plan file: the report of spec/cli.md plus this value under "plan".
    struct File: Encodable {
        var report: Report
        var plan: SavedPlan

        enum Key: String, CodingKey { case plan }

        func encode(to encoder: Encoder) throws {
            try report.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(plan, forKey: .plan)
        }
    }

    private struct Envelope: Decodable {
        var plan: SavedPlan
    }

    /// Just enough of any plan file to tell its format, before the rest is decoded.
    private struct FormatEnvelope: Decodable {
        struct Header: Decodable {
            var format: Int
            var cfsyncVersion: String

            enum CodingKeys: String, CodingKey {
                case format
                case cfsyncVersion = "cfsync_version"
            }
        }

        var plan: Header
    }

    func fileBytes(report: Report) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        encoder.dateEncodingStrategy = .utc()
        return Array(try encoder.encode(File(report: report, plan: self))) + [UInt8(ascii: "\n")]
    }

    /// Reads a plan file signed with `key` (the state dir's; nil when it has none).
    /// Anything but an intact plan of this format, signed with that key, is a usage error
    /// (exit 64) that names the file.
    static func read(path: String, key: PlanKey?) throws -> SavedPlan {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CFSyncError.usage("plan \(path): cannot be read")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .utc
        let notAPlan = CFSyncError.usage("plan \(path): not a cfsync plan file (truncated or not JSON from plan --out)")
        guard let header = try? decoder.decode(FormatEnvelope.self, from: data).plan else { throw notAPlan }
        guard header.format == formatVersion else {
            throw CFSyncError.usage("plan \(path): format \(header.format) from cfsync \(header.cfsyncVersion); this cfsync reads format \(formatVersion)")
        }
        guard let plan = try? decoder.decode(Envelope.self, from: data).plan else { throw notAPlan }
        guard let key, key.verify(plan.signature, plan.signedBytes) else {
            throw CFSyncError.usage("plan \(path): signature mismatch: edited after plan --out wrote it, or made with another state dir")
        }
        for list in plan.lists where !list.isIntact || list.family == nil {
            throw CFSyncError.usage("plan \(path): the list from \(list.url) is damaged (its body does not match its sha256, or it names no family)")
        }
        return plan
    }
}
