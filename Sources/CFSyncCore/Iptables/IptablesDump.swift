/// The snapshot text of cfsync's own iptables, ip6tables and ipset objects:
/// jumps with their positions, own chains with their rules, own sets with
/// their members. Deterministic (no counters, hash sizes or seeds), so a
/// restored snapshot reads back byte-identical. Empty when nothing is owned.
public enum IptablesDump {
    public struct ParseError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "iptables snapshot: \(message)" }
    }

    public static func render(_ objects: IptablesObjects) -> String {
        var out = ""
        for family in Family.allCases where !objects[family].isEmpty {
            let own = objects[family]
            out += "*\(IptablesNames.tool(family))\n"
            for name in own.chains.keys.sorted() {
                out += ":\(name)\n"
                for rule in own.chains[name] ?? [] { out += "-A \(name) \(rule)\n" }
            }
            for jump in own.jumps { out += "-I \(jump.chain) \(jump.position) \(jump.spec)\n" }
        }
        if !objects.sets.isEmpty {
            out += "*ipset\n"
            for set in objects.sets {
                out += set.createLine() + "\n"
                for member in set.members { out += "add \(set.name) \(member)\n" }
            }
        }
        return out
    }

    public static func parse(_ text: String) throws(ParseError) -> IptablesObjects {
        var objects = IptablesObjects()
        var section = ""
        var ipsetText = ""
        for (index, raw) in text.split(separator: "\n").enumerated() {
            let line = String(raw)
            func fail(_ why: String) -> ParseError { ParseError(message: "line \(index + 1) \(why): \(line)") }
            if line.hasPrefix("*") {
                section = String(line.dropFirst())
                continue
            }
            let family: Family
            switch section {
            case "iptables": family = .ipv4
            case "ip6tables": family = .ipv6
            case "ipset":
                ipsetText += line + "\n"
                continue
            default: throw fail("is outside a section")
            }
            let append = line.split(separator: " ", maxSplits: 2).map(String.init)
            let words = line.split(separator: " ", maxSplits: 3).map(String.init)
            if line.hasPrefix(":"), IptablesNames.isOwnChain(String(line.dropFirst())) {
                objects[family].chains[String(line.dropFirst())] = []
            } else if append.count == 3, append[0] == "-A", objects[family].chains[append[1]] != nil {
                objects[family].chains[append[1], default: []].append(append[2])
            } else if words.count == 4, words[0] == "-I", let position = Int(words[2]), position > 0,
                      IptablesTable.isOwnJump(chain: words[1], spec: words[3]) {
                objects[family].jumps.append(IptablesJump(chain: words[1], position: position, spec: words[3]))
            } else {
                throw fail("is not an own chain, rule or jump")
            }
        }
        objects.ipv4 = objects.ipv4.sorted()
        objects.ipv6 = objects.ipv6.sorted()
        do {
            objects.sets = try IpsetSave.parse(ipsetText)
        } catch {
            throw ParseError(message: error.message)
        }
        return objects
    }
}
