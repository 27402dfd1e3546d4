/// The steps that move cfsync's own objects from the current kernel state to
/// `desired`, touching nothing else: new sets filled under a temporary name and
/// swapped in (`ipset restore`), then one `iptables-restore --noflush` per
/// family (atomic: the whole table commits at once), then sets no longer
/// referenced destroyed. Used by apply (desired from the plan) and by restore
/// (desired from a snapshot), so both move the kernel the same way.
public struct IptablesTransition: Equatable, Sendable, CustomStringConvertible {
    /// `ipset restore` input run first; empty when no set changes.
    public var ipsetBefore = ""
    /// `iptables-restore --noflush` input per family, only for families that change.
    public var restores: [(family: Family, text: String)] = []
    /// `ipset restore` input run last (destroys); empty when none.
    public var ipsetAfter = ""
    /// Temporary sets `ipsetBefore` creates; destroyed again if it fails half-way.
    public var tempSets: [String] = []

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.description == rhs.description && lhs.tempSets == rhs.tempSets
    }

    public var isEmpty: Bool { ipsetBefore.isEmpty && restores.isEmpty && ipsetAfter.isEmpty }

    /// The dry run: every input in the order it is run.
    public var description: String {
        var out = ""
        if !ipsetBefore.isEmpty { out += "# ipset restore\n" + ipsetBefore }
        for (family, text) in restores { out += "# \(IptablesNames.tool(family))-restore --noflush\n" + text }
        if !ipsetAfter.isEmpty { out += "# ipset restore\n" + ipsetAfter }
        return out
    }

    public init(from current: IptablesState, to desired: IptablesObjects) {
        for want in desired.sets {
            let have = current.sets.first { $0.name == want.name }
            guard have != want else { continue }
            let temp = want.name + "-tmp"
            if current.sets.contains(where: { $0.name == temp }) { ipsetBefore += "destroy \(temp)\n" }
            if have == nil { ipsetBefore += want.createLine() + "\n" }
            ipsetBefore += want.createLine(as: temp) + "\n"
            for member in want.members { ipsetBefore += "add \(temp) \(member)\n" }
            ipsetBefore += "swap \(temp) \(want.name)\ndestroy \(temp)\n"
            tempSets.append(temp)
        }
        for family in Family.allCases {
            guard let table = current.table(family) else { continue }
            let text = Self.restore(table, to: desired[family])
            if !text.isEmpty { restores.append((family, text)) }
        }
        let wanted = Set(desired.sets.map(\.name))
        for set in current.sets where !wanted.contains(set.name) {
            ipsetAfter += "destroy \(set.name)\n"
        }
    }

    /// One family's `iptables-restore --noflush` input; empty when nothing changes.
    static func restore(_ table: IptablesTable, to want: IptablesFamilyObjects) -> String {
        let have = table.ownObjects
        let docker = IptablesNames.dockerUser
        let needsDocker = want.jumps.contains { $0.chain == docker } && !table.has(docker)
        let jumpsChange = have.jumps != want.jumps
        // DOCKER-USER goes again only if cfsync created it: its own hook jump
        // leads there, nobody else does, and nothing but cfsync's jumps is in it.
        let dropsDocker = jumpsChange && table.has(docker) && !want.jumps.contains { $0.chain == docker }
            && have.jumps.contains { $0.spec == IptablesNames.dockerUserJump } && !table.dockerUserIsHooked
            && (table.rules[docker] ?? []).count == have.jumps.filter { $0.chain == docker }.count
        let changed = want.chains.keys.sorted().filter { have.chains[$0] != want.chains[$0] }
        let gone = have.chains.keys.sorted().filter { want.chains[$0] == nil }
        guard !changed.isEmpty || !gone.isEmpty || jumpsChange else { return "" }

        var lines = ["*filter"]
        for name in changed { lines += [":\(name) - [0:0]", "-F \(name)"] }
        if needsDocker { lines.append(":\(docker) - [0:0]") }
        if jumpsChange {
            for jump in have.jumps.reversed() { lines.append("-D \(jump.chain) \(jump.spec)") }
        }
        for name in gone { lines += ["-F \(name)", "-X \(name)"] }
        if dropsDocker { lines.append("-X \(docker)") }
        for name in changed {
            for rule in want.chains[name] ?? [] { lines.append("-A \(name) \(rule)") }
        }
        if jumpsChange {
            var length: [String: Int] = [:]
            for jump in want.jumps.sorted(by: { ($0.chain, $0.position) < ($1.chain, $1.position) }) {
                let now = length[jump.chain]
                    ?? (table.rules[jump.chain] ?? []).count - have.jumps.filter { $0.chain == jump.chain }.count
                // A snapshot's position may lie past the end once other rules went.
                lines.append("-I \(jump.chain) \(min(jump.position, now + 1)) \(jump.spec)")
                length[jump.chain] = now + 1
            }
        }
        lines.append("COMMIT")
        return lines.joined(separator: "\n") + "\n"
    }
}
