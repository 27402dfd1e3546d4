/// Reads back the dump `UfwBackend.snapshot()` writes: per rules file, cfsync's
/// entries exactly as they stood. Anything that is not one of cfsync's rules
/// is refused, so restoring a snapshot can never add someone else's rule.
public enum UfwSnapshot {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var text: String
        public var description: String { "ufw snapshot line \(line): \(text)" }
    }

    public static func parse(_ dump: String) throws(ParseError) -> [Family: [UfwRulesFile.Block]] {
        var result: [Family: [UfwRulesFile.Block]] = [:]
        var family: Family?
        for (index, raw) in dump.split(separator: "\n").enumerated() {
            let line = String(raw)
            if line.hasPrefix("# ") {
                let name = line.dropFirst(2)
                guard let f = Family.allCases.first(where: { UfwLayout.rulesFile($0) == name }) else {
                    throw ParseError(line: index + 1, text: "unknown section \(name)")
                }
                family = f
            } else if let rule = UfwRule(tupleLine: line) {
                guard let f = family else { throw ParseError(line: index + 1, text: "rule before a section line") }
                guard rule.isCFSync else { throw ParseError(line: index + 1, text: "not a cfsync rule") }
                result[f, default: []].append(UfwRulesFile.Block(rule: rule, lines: [line]))
            } else {
                guard let f = family, var blocks = result[f], !blocks.isEmpty, line.hasPrefix("-A ") else {
                    throw ParseError(line: index + 1, text: "expected a tuple or rule line, found \(line)")
                }
                blocks[blocks.count - 1].lines.append(line)
                result[f] = blocks
            }
        }
        return result
    }
}
