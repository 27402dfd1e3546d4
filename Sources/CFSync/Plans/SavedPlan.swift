import CFSyncCore
import Foundation

/// What `plan --out FILE` keeps beside the report: everything `apply --plan FILE`
/// needs to apply exactly the reviewed change, and a fingerprint of the
/// installed state it was computed against.
public struct SavedPlan: Codable, Equatable, Sendable {
    public static let formatVersion = 1

    public var format: Int
    public var cfsyncVersion: String
    public var backend: BackendKind
    public var policy: Policy
    public var desired: AddressLists
    /// What the backend held when the plan was made, and its dump's SHA-256.
    public var installed: AddressLists
    public var installedFingerprint: String
    public var lists: [StoredList]
    public var checksum: String

    enum CodingKeys: String, CodingKey {
        case format, backend, policy, desired, installed, lists, checksum
        case cfsyncVersion = "cfsync_version"
        case installedFingerprint = "installed_fingerprint"
    }

    public init(backend: BackendKind, plan: SyncPlan, installed: AddressLists, installedDump: String, lists: [CachedList]) {
        format = Self.formatVersion
        cfsyncVersion = CFSyncCoreVersion.string
        self.backend = backend
        policy = plan.policy
        desired = plan.desired
        self.installed = installed
        installedFingerprint = SHA256Hex.of(Array(installedDump.utf8))
        self.lists = lists.map(StoredList.init)
        checksum = ""
        checksum = computedChecksum
    }

    var computedChecksum: String {
        let prefixes = desired.ipv4.map(\.description) + ["|"] + desired.ipv6.map(\.description) + ["|"]
            + installed.ipv4.map(\.description) + ["|"] + installed.ipv6.map(\.description)
        let header = ["cfsync-plan \(format)", cfsyncVersion, backend.rawValue, policy.mode.rawValue,
                      policy.ports.map(String.init).joined(separator: ","), policy.families.map(\.rawValue).joined(separator: ","),
                      "forward=\(policy.forward) ipset=\(policy.ipset)", prefixes.joined(separator: ","), installedFingerprint]
        return StoredList.checksum(header: header, lists: lists)
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

    func fileBytes(report: Report) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(File(report: report, plan: self))) + [UInt8(ascii: "\n")]
    }

    /// Reads a plan file; anything but an intact plan of this format is a usage
    /// error (exit 64) that names the file.
    static func read(path: String) throws -> SavedPlan {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CFSyncError.usage("plan \(path): cannot be read")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let plan: SavedPlan
        do {
            plan = try decoder.decode(Envelope.self, from: data).plan
        } catch {
            throw CFSyncError.usage("plan \(path): not a cfsync plan file (truncated or not JSON from plan --out)")
        }
        guard plan.format == formatVersion else {
            throw CFSyncError.usage("plan \(path): format \(plan.format) from cfsync \(plan.cfsyncVersion); this cfsync reads format \(formatVersion)")
        }
        guard plan.checksum == plan.computedChecksum, plan.lists.allSatisfy(\.isIntact) else {
            throw CFSyncError.usage("plan \(path): checksum mismatch; the file was edited after plan --out wrote it")
        }
        return plan
    }
}
