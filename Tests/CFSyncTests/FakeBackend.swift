import CFSync
import CFSyncCore

/// An in-memory firewall that behaves like a real backend: it holds prefixes
/// and a structure, dumps and restores them as text, and can be told to fail
/// half-way through an apply (after changing part of its state).
final class FakeBackend: Backend {
    var kind: BackendKind = .nftables
    var objects: String { "fake objects" }
    var policy: Policy?
    var lists = AddressLists()
    var failHalfWay = false
    private(set) var applied: [SyncPlan] = []

    func observe(_ wanted: Policy) throws -> Observation {
        let dump = try snapshot()
        guard let policy else { return Observation(installed: .absent, dump: { dump }) }
        return Observation(installed: InstalledState(structure: policy == wanted ? .matches : .differs(["policy differs"]), lists: lists),
                           dump: { dump })
    }

    var unavailableFamilies: [Family: String] { [:] }
    func unenforceable(_ policy: Policy) -> String? { nil }

    func script(for plan: SyncPlan) -> String { "\(plan)" }

    func apply(_ plan: SyncPlan, over observed: Observation) throws -> Applied {
        applied.append(plan)
        policy = plan.policy
        lists.ipv4 = plan.desired.ipv4
        if failHalfWay { throw FakeFailure() }
        lists.ipv6 = plan.desired.ipv6
        return .unproven
    }

    struct FakeFailure: Error, CustomStringConvertible {
        var description: String { "fake backend failed half-way" }
    }

    func snapshot() throws -> String {
        guard let policy else { return "" }
        return "\(policy.mode.rawValue) \(policy.ports) \(policy.families)\n"
            + (lists.ipv4.map(\.description) + lists.ipv6.map(\.description)).joined(separator: "\n")
    }

    func restore(_ dump: String) throws {
        guard !dump.isEmpty else {
            policy = nil
            lists = AddressLists()
            return
        }
        var lines = dump.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines.removeFirst().split(separator: " ", maxSplits: 1)
        let mode = Mode(rawValue: String(header[0])) ?? .lockdown
        let families: [Family] = header[1].contains("ipv6") ? (header[1].contains("ipv4") ? [.ipv4, .ipv6] : [.ipv6]) : [.ipv4]
        let ports = header[1].split(separator: "]")[0].dropFirst().split(separator: ",").compactMap { UInt16($0.trimmingCharacters(in: .whitespaces)) }
        policy = Policy(mode: mode, ports: ports, families: families)
        lists = AddressLists(
            ipv4: lines.compactMap { try? IPv4Prefix(parsing: $0) },
            ipv6: lines.compactMap { try? IPv6Prefix(parsing: $0) })
    }
}
