import CFSyncCore

/// The checks of the policy options, in one place: `Settings` runs them on the command
/// line and the config file, `apply --plan` on a saved plan's policy, so a plan can hold
/// nothing the options would refuse.
enum PolicyValidation {
    /// `--ports`: at least one, each a tcp port 1–65535; sorted, without duplicates.
    static func ports(_ items: [String], origin: String) throws -> [UInt16] {
        guard !items.isEmpty else { throw CFSyncError.usage("\(origin): names no port") }
        var ports: [UInt16] = []
        for item in items {
            guard let p = Int(item), (1...65535).contains(p) else {
                throw CFSyncError.usage("\(origin): '\(item)' is not a tcp port (1–65535)")
            }
            ports.append(UInt16(p))
        }
        return Array(Set(ports)).sorted()
    }

    /// `--allow`: each a valid CIDR without host bits, never a whole family (/0).
    static func allow(_ items: [String], origin: String) throws -> [AnyPrefix] {
        var prefixes: [AnyPrefix] = []
        for text in items {
            do {
                prefixes.append(try ListGuards.parseAllowEntry(text))
            } catch {
                throw CFSyncError.usage("\(origin): \(error.reason)")
            }
        }
        return prefixes
    }

    /// A policy that did not come from the options (a saved plan's), checked as if it had:
    /// its ports as `--ports`, and at least one family.
    static func check(_ policy: Policy, origin: String) throws -> Policy {
        let ports = try ports(policy.ports.map(String.init), origin: "\(origin) --ports")
        guard !policy.families.isEmpty else { throw CFSyncError.usage("\(origin) --family: names no family") }
        return Policy(mode: policy.mode, ports: ports, families: policy.families, forward: policy.forward, ipset: policy.ipset)
    }
}
