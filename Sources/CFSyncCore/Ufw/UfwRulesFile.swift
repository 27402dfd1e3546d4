/// A ufw rules file (`user.rules`, `user6.rules`) split so cfsync can swap its
/// own rules and keep every other byte: the lines up to `### RULES ###`, the
/// rules section (each rule is its tuple line plus the iptables lines ufw
/// wrote under it), and the rest (logging, rate limiting, `COMMIT`).
public struct UfwRulesFile: Equatable, Sendable {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var file: String
        public var description: String { "\(file): no \"### RULES ###\" line; not a ufw rules file" }
    }

    /// One rule as it appears in the file: its parsed tuple and its raw lines.
    public struct Block: Equatable, Sendable {
        public var rule: UfwRule
        /// The tuple line and the iptables lines under it, as written.
        public var lines: [String]

        public init(rule: UfwRule, lines: [String]) {
            self.rule = rule
            self.lines = lines
        }

        /// The block ufw would write for `rule` (one of cfsync's shapes).
        init(cfsync rule: UfwRule, family: Family) {
            self.init(rule: rule, lines: [rule.tupleLine] + rule.iptablesLines(family))
        }
    }

    enum Item: Equatable, Sendable {
        case block(Block)
        case line(String)
    }

    static let rulesStart = "### RULES ###"
    static let rulesEnd = "### END RULES ###"

    var head: [String]
    var items: [Item]
    var tail: [String]
    var endsWithNewline: Bool

    /// `name` only labels the error.
    public init(parsing text: String, name: String) throws(ParseError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        endsWithNewline = lines.last == ""
        if endsWithNewline { lines.removeLast() }
        guard let start = lines.firstIndex(of: Self.rulesStart) else { throw ParseError(file: name) }
        head = Array(lines[...start])
        // The file the Debian package ships has no end line; ufw adds it on its first rewrite.
        let end = lines[(start + 1)...].firstIndex(of: Self.rulesEnd) ?? start + 1
        tail = Array(lines[end...])
        items = []
        var index = start + 1
        while index < end {
            let line = lines[index]
            index += 1
            guard let rule = UfwRule(tupleLine: line) else {
                items.append(.line(line))
                continue
            }
            var block = [line]
            while index < end, !lines[index].isEmpty, !lines[index].hasPrefix("###") {
                block.append(lines[index])
                index += 1
            }
            items.append(.block(Block(rule: rule, lines: block)))
        }
    }

    public var text: String {
        var lines = head
        for item in items {
            switch item {
            case .block(let block): lines += block.lines
            case .line(let line): lines.append(line)
            }
        }
        lines += tail
        return lines.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
    }

    /// Every rule in file order (what `ufw status numbered` numbers).
    public var blocks: [Block] {
        items.compactMap { if case .block(let b) = $0 { b } else { nil } }
    }

    /// cfsync's rules, in file order.
    public var own: [Block] { blocks.filter(\.rule.isCFSync) }

    /// Everyone else's rules, in file order.
    public var others: [Block] { blocks.filter { !$0.rule.isCFSync } }

    /// True when no other rule sits between two of cfsync's.
    public var ownAreContiguous: Bool {
        let flags = blocks.map(\.rule.isCFSync)
        guard let first = flags.firstIndex(of: true), let last = flags.lastIndex(of: true) else { return true }
        return !flags[first...last].contains(false)
    }

    /// The same file with cfsync's rules replaced by `replacement`, placed where
    /// cfsync's first rule was (or after the last rule when there was none).
    /// Other rules and lines keep their bytes and their order.
    public func replacingOwn(with replacement: [Block]) -> UfwRulesFile {
        var kept: [Item] = []
        var insertAt: Int?
        for item in items {
            if case .block(let block) = item, block.rule.isCFSync {
                if case .line("") = kept.last { kept.removeLast() }
                if insertAt == nil { insertAt = kept.count }
                continue
            }
            kept.append(item)
        }
        let position = insertAt ?? kept.lastIndex(where: { if case .block = $0 { true } else { false } }).map { $0 + 1 } ?? 0
        let inserted = replacement.flatMap { [Item.line(""), .block($0)] }
        var copy = self
        copy.items = kept
        copy.items.insert(contentsOf: inserted, at: position)
        if !inserted.isEmpty && tail.first != Self.rulesEnd {
            // Close the section as ufw does, so the next read finds cfsync's rules in it.
            copy.items.append(.line(""))
            copy.tail = [Self.rulesEnd, ""] + tail
        }
        return copy
    }
}
