/// One ufw rule as ufw records it: the `### tuple ###` line of its rules file
/// (`action proto dport dst sport src [dapp sapp] direction [comment=hex]`).
/// ufw rebuilds `ufw status` and its chains from these lines, so cfsync reads
/// and writes exactly them.
public struct UfwRule: Equatable, Sendable {
    public enum Verdict: String, Sendable {
        case allow, deny
    }

    /// The tuple's fields before `comment=`, as ufw wrote them.
    public var fields: [String]
    /// The decoded comment ("" when there is none).
    public var comment: String

    public init(fields: [String], comment: String) {
        self.fields = fields
        self.comment = comment
    }

    static let marker = "### tuple ###"

    /// Parses a `### tuple ###` line; nil for any other line or a tuple ufw
    /// itself would skip as malformed (fewer than 6 or more than 9 fields).
    public init?(tupleLine line: some StringProtocol) {
        guard line.hasPrefix(Self.marker) else { return nil }
        var body = Substring(line.dropFirst(Self.marker.count))
        var comment = ""
        if let range = body.range(of: " comment=") {
            guard let text = UfwHex.decode(body[range.upperBound...].trimmingWhitespace) else { return nil }
            comment = text
            body = body[..<range.lowerBound]
        }
        let fields = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard (6...9).contains(fields.count) else { return nil }
        self.init(fields: fields, comment: comment)
    }

    /// One of cfsync's rules: tcp to `ports` from `source`.
    static func cfsync(_ verdict: Verdict, ports: [UInt16], source: String, family: Family) -> UfwRule {
        let comment = switch verdict {
        case .allow: UfwLayout.allowComment
        case .deny: UfwLayout.lockdownComment
        }
        return UfwRule(
            fields: [verdict.rawValue, "tcp", ports.map(String.init).joined(separator: ","),
                     UfwLayout.anyAddress(family), "any", source, "in"],
            comment: comment)
    }

    public var action: String { fields[0] }
    /// The action as one of cfsync's verdicts; nil for any other (limit, reject, …).
    public var verdict: Verdict? { Verdict(rawValue: action) }

    /// An allow (one of cfsync's accepts), as opposed to a deny or any other action.
    public var allows: Bool {
        switch verdict {
        case .allow: true
        case .deny, nil: false
        }
    }
    public var proto: String { fields[1] }
    public var dport: String { fields[2] }
    public var dst: String { fields[3] }
    public var sport: String { fields[4] }
    public var src: String { fields[5] }
    /// `in`, `out`, `in_eth0`, …: the last field of 7- and 9-field tuples.
    public var direction: String { fields.count == 7 || fields.count == 9 ? fields[fields.count - 1] : "in" }

    /// True for rules cfsync created (and may change or remove).
    public var isCFSync: Bool { comment.hasPrefix(UfwLayout.tag) }

    /// The line ufw writes for this rule.
    public var tupleLine: String {
        "\(Self.marker) " + fields.joined(separator: " ") + (comment.isEmpty ? "" : " comment=" + UfwHex.encode(comment))
    }

    /// The iptables lines ufw writes under the tuple, for the rule shapes cfsync
    /// creates (tcp to a port list, from one source, allow or deny).
    func iptablesLines(_ family: Family) -> [String] {
        let ports = dport.contains(",") ? "-m multiport --dports \(dport)" : "--dport \(dport)"
        let source = src == UfwLayout.anyAddress(family) ? "" : " -s \(src)"
        let target = switch verdict {
        case .allow: "ACCEPT"
        case .deny, nil: "DROP"
        }
        return ["-A \(UfwLayout.inputChain(family)) -p \(proto) \(ports)\(source) -j \(target)"]
    }
}

/// ufw keeps comments hex-encoded (UTF-8, lowercase) so they survive its
/// whitespace-separated format.
enum UfwHex {
    static func encode(_ text: String) -> String {
        let digits = Array("0123456789abcdef")
        return String(text.utf8.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }

    static func decode(_ hex: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        var high: UInt8?
        for c in hex.utf8 {
            guard let nibble = nibble(c) else { return nil }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return s
    }
}
