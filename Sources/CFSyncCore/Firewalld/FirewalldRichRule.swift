/// The only rich rule shapes cfsync writes, in the canonical spelling firewall-cmd 1.3.3 prints
/// back (`--info-policy`, `--list-rich-rules`): firewalld compares rich rules by that text, so
/// rendering it exactly is what lets `--remove-rich-rule` find a rule again.
///
/// firewalld runs a policy's drop rules (its `_deny` chain) before its accept rules (`_allow`),
/// so lockdown's drop must exempt the listed sources itself (`source NOT ipset=…`).
public struct FirewalldRichRule: Hashable, Sendable, Comparable {
    public enum Action: String, Sendable {
        case accept, drop
    }

    public var family: Family
    public var ipset: String
    public var port: UInt16
    public var action: Action

    public init(family: Family, ipset: String, port: UInt16, action: Action) {
        self.family = family
        self.ipset = ipset
        self.port = port
        self.action = action
    }

    /// accept: `source ipset=…`; drop: `source NOT ipset=…` (every other source).
    public var text: String {
        let source = action == .accept ? "source" : "source NOT"
        return "rule family=\"\(FirewalldNames.ruleFamily(family))\" \(source) ipset=\"\(ipset)\" port port=\"\(port)\" protocol=\"tcp\" \(action.rawValue)"
    }

    /// A rule of cfsync's shapes, or nil for anything else (which then counts as drift).
    public init?(parsing text: String) {
        let words = text.split(separator: " ").map(String.init)
        func quoted(_ word: String, _ key: String) -> String? {
            let prefix = key + "=\""
            guard word.hasPrefix(prefix), word.hasSuffix("\""), word.count > prefix.count else { return nil }
            return String(word.dropFirst(prefix.count).dropLast())
        }
        let negated = words.count == 9
        guard words.count == (negated ? 9 : 8), words[0] == "rule", words[2] == "source",
              let familyName = quoted(words[1], "family"), let family = Family(rawValue: familyName)
        else { return nil }
        let rest = Array(words[(negated ? 4 : 3)...])
        guard !negated || words[3] == "NOT", let ipset = quoted(rest[0], "ipset"), rest[1] == "port",
              let portText = quoted(rest[2], "port"), let port = UInt16(portText), port > 0,
              quoted(rest[3], "protocol") == "tcp", let action = Action(rawValue: rest[4]),
              negated == (action == .drop)
        else { return nil }
        self.init(family: family, ipset: ipset, port: port, action: action)
        guard self.text == text else { return nil }
    }

    /// Accepts before drops, then by family, port and set: the order rules are added in, so
    /// that a set's accepts exist before its drops close the ports.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        func key(_ r: Self) -> (Int, Int, UInt16, String) { (r.action == .accept ? 0 : 1, r.family == .ipv4 ? 0 : 1, r.port, r.ipset) }
        return key(lhs) < key(rhs)
    }
}
