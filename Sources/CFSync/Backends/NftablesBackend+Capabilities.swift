import CFSyncCore

/// What the nftables backend can enforce (kept apart from its kernel I/O).
extension NftablesBackend {
    /// Table `inet cfsync` filters both families wherever nf_tables works.
    public var unavailableFamilies: [Family: String] { [:] }

    /// `--forward` has its forward-hook chain; `--ipset` asks for ipset sets, which are
    /// iptables' (nftables keeps the prefixes in its own interval sets).
    public func unenforceable(_ policy: Policy) -> String? {
        guard policy.ipset else { return nil }
        return "--ipset: the nftables backend keeps the prefixes in its own interval sets (\(NftLayout.setName(.ipv4)), "
            + "\(NftLayout.setName(.ipv6))), not in ipset sets; --ipset is for --backend iptables"
    }
}
