import CFSyncCore

/// `--family` narrowed to what the chosen backend can filter on this host
/// (ufw with IPV6=no filters IPv4 only): the rest is left alone and reported,
/// so plan, apply and the read-back all agree on what is managed. An option the
/// backend cannot enforce (ufw and `--forward`) is refused, never ignored.
extension Syncer {
    func policy(for backend: Backend) throws -> Policy {
        var policy = settings.policy
        policy.families = policy.families.filter { backend.unavailableFamilies[$0] == nil }
        try Self.refuseUnenforceable(policy, backend)
        return policy
    }

    /// Exit 64 with the backend's reason when it cannot enforce an option of `policy`.
    static func refuseUnenforceable(_ policy: Policy, _ backend: Backend) throws {
        if let reason = backend.unenforceable(policy) { throw CFSyncError.usage(reason) }
    }

    /// `lists` keeping only the families `policy` manages.
    func desired(_ lists: AddressLists, _ policy: Policy) -> AddressLists {
        AddressLists(ipv4: policy.manages(.ipv4) ? lists.ipv4 : [], ipv6: policy.manages(.ipv6) ? lists.ipv6 : [])
    }

    /// One warning per asked-for family the backend cannot filter here.
    func familyWarnings(_ backend: Backend) -> [String] {
        settings.families.compactMap { backend.unavailableFamilies[$0] }
    }
}
