/// The filter table of one `iptables-save -t filter` (or ip6tables-save) output:
/// chains in the order printed and each chain's rules as printed after `-A NAME `.
public struct IptablesTable: Equatable, Sendable {
    public struct ParseError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "iptables-save: \(message)" }
    }

    /// False when the output had no filter table (nothing loaded it yet).
    public private(set) var exists = false
    public private(set) var chains: [String] = []
    public private(set) var rules: [String: [String]] = [:]

    public init(save text: String) throws(ParseError) {
        var inFilter = false
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("*") {
                inFilter = line == "*filter"
                exists = exists || inFilter
                continue
            }
            guard inFilter else { continue }
            if line == "COMMIT" {
                inFilter = false
            } else if line.hasPrefix(":") {
                guard let name = line.dropFirst().split(separator: " ").first else {
                    throw ParseError(message: "line \(index + 1) declares no chain: \(line)")
                }
                chains.append(String(name))
                rules[String(name)] = []
            } else if line.hasPrefix("-A ") {
                let rest = line.dropFirst(3)
                let name = String(rest.prefix { $0 != " " })
                guard rules[name] != nil else {
                    throw ParseError(message: "line \(index + 1) appends to undeclared chain \(name)")
                }
                rules[name, default: []].append(String(rest.dropFirst(name.count).drop { $0 == " " }))
            } else {
                throw ParseError(message: "line \(index + 1) is not a chain, rule or COMMIT: \(line)")
            }
        }
    }

    public func has(_ chain: String) -> Bool { rules[chain] != nil }

    /// The target of a rule (`-j X` or `-g X`), if any.
    public static func target(of spec: String) -> String? {
        let words = spec.split(separator: " ")
        guard let i = words.lastIndex(where: { $0 == "-j" || $0 == "-g" }), i + 1 < words.count else { return nil }
        return String(words[i + 1])
    }

    /// Whether a rule in a foreign chain belongs to cfsync: it jumps into an own
    /// chain, or it is the FORWARD → DOCKER-USER jump cfsync marked as its own.
    static func isOwnJump(chain: String, spec: String) -> Bool {
        if chain == IptablesNames.forward && spec == IptablesNames.dockerUserJump { return true }
        return target(of: spec).map(IptablesNames.isOwnChain) ?? false
    }

    /// cfsync's own jumps (with positions) and own chains in this table.
    public var ownObjects: IptablesFamilyObjects {
        var objects = IptablesFamilyObjects()
        for chain in chains {
            let list = rules[chain] ?? []
            if IptablesNames.isOwnChain(chain) {
                objects.chains[chain] = list
                continue
            }
            for (i, spec) in list.enumerated() where Self.isOwnJump(chain: chain, spec: spec) {
                objects.jumps.append(IptablesJump(chain: chain, position: i + 1, spec: spec))
            }
        }
        return objects.sorted()
    }

    /// Something other than cfsync (Docker) jumps to DOCKER-USER.
    public var dockerUserIsHooked: Bool {
        chains.contains { chain in
            (rules[chain] ?? []).contains {
                Self.target(of: $0) == IptablesNames.dockerUser && !Self.isOwnJump(chain: chain, spec: $0)
            }
        }
    }
}
