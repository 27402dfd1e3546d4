/// The objects cfsync owns in iptables/ip6tables and ipset, derived from the
/// policy and the lists. Rules are spelled exactly as `iptables-save` prints
/// them, so structure drift is a plain comparison.
public struct IptablesLayout: Equatable, Sendable {
    public let policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// The INPUT jumps, at the top of INPUT so lockdown runs before any other
    /// accept for those ports; one per 15 ports (multiport's limit).
    public var inputJumps: [IptablesJump] {
        stride(from: 0, to: policy.ports.count, by: IptablesNames.multiportLimit).enumerated().map { index, start in
            let ports = policy.ports[start..<min(start + IptablesNames.multiportLimit, policy.ports.count)]
            let match = ports.count == 1
                ? "-p tcp -m tcp --dport \(ports[ports.startIndex])"
                : "-p tcp -m multiport --dports " + ports.map(String.init).joined(separator: ",")
            return IptablesJump(chain: IptablesNames.input, position: index + 1, spec: "\(match) -j \(IptablesNames.inputChain)")
        }
    }

    /// The DOCKER-USER jumps: one per port, only for connections the host DNATed
    /// (`--ctstate DNAT`: a published port), on their ORIGINAL destination port
    /// (before DNAT to the container), and only in the original direction, so the
    /// container's replies are not judged by their own source. A container's own
    /// outbound connections, container-to-container and routed traffic never jump.
    /// Spelled as iptables-save prints it (nft and legacy variants alike).
    public var forwardJumps: [IptablesJump] {
        policy.ports.enumerated().map { index, port in
            IptablesJump(chain: IptablesNames.dockerUser, position: index + 1,
                         spec: "-p tcp -m conntrack --ctstate DNAT --ctorigdstport \(port) --ctdir ORIGINAL -j \(IptablesNames.forwardChain)")
        }
    }

    /// Accepts for the listed sources: one set match, or one rule per prefix.
    func accepts(_ family: Family, _ prefixes: [String]) -> [String] {
        policy.ipset
            ? ["-m set --match-set \(IptablesNames.set(family)) src -j ACCEPT"]
            : prefixes.map { "-s \($0) -j ACCEPT" }
    }

    /// Reached only for the protected ports: loopback exempt (local health checks
    /// and proxies), listed sources accepted, in lockdown everything else dropped.
    public func inputRules(_ family: Family, _ prefixes: [String]) -> [String] {
        ["-i lo -j RETURN"] + accepts(family, prefixes) + otherSources
    }

    public func forwardRules(_ family: Family, _ prefixes: [String]) -> [String] {
        accepts(family, prefixes) + otherSources
    }

    /// What the chains do with sources that are not listed: drop them (lockdown), or
    /// return to the host's own rules (allow).
    var otherSources: [String] {
        switch policy.mode {
        case .lockdown: ["-j DROP"]
        case .allow: []
        }
    }

    /// One family's objects. `dockerUserIsHooked`: something other than cfsync
    /// (Docker) already jumps from FORWARD to DOCKER-USER; otherwise cfsync adds
    /// that jump itself, marked with its comment.
    public func objects(_ family: Family, prefixes: [String], dockerUserIsHooked: Bool) -> IptablesFamilyObjects {
        guard policy.manages(family) else { return IptablesFamilyObjects() }
        var objects = IptablesFamilyObjects(jumps: inputJumps, chains: [IptablesNames.inputChain: inputRules(family, prefixes)])
        if policy.forward {
            objects.chains[IptablesNames.forwardChain] = forwardRules(family, prefixes)
            if !dockerUserIsHooked {
                objects.jumps.append(IptablesJump(chain: IptablesNames.forward, position: 1, spec: IptablesNames.dockerUserJump))
            }
            objects.jumps += forwardJumps
        }
        return objects.sorted()
    }

    /// The sets of ipset mode; none otherwise.
    public func sets(_ lists: AddressLists) -> [IpsetSet] {
        guard policy.ipset else { return [] }
        return policy.families.map { family in
            let members = family == .ipv4 ? lists.ipv4.map(\.description) : lists.ipv6.map(\.description)
            return IpsetSet(name: IptablesNames.set(family), family: family,
                            maxelem: IpsetSet.maxelem(for: members.count), members: members)
        }
    }

    /// Everything cfsync should own for `lists`, given the current tables.
    public func objects(_ lists: AddressLists, current: IptablesState) -> IptablesObjects {
        IptablesObjects(
            ipv4: objects(.ipv4, prefixes: lists.ipv4.map(\.description), dockerUserIsHooked: current.ipv4.dockerUserIsHooked),
            ipv6: objects(.ipv6, prefixes: lists.ipv6.map(\.description), dockerUserIsHooked: current.ipv6?.dockerUserIsHooked ?? false),
            sets: sets(lists))
    }
}
