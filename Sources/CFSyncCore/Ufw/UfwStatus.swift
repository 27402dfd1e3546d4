/// One row of `ufw status numbered`, for read-back in tests and for `doctor`.
public struct UfwStatusRow: Equatable, Sendable {
    public var number: Int
    public var to: String
    /// `ALLOW IN`, `DENY IN`, `LIMIT IN`, `ALLOW OUT`, `ALLOW FWD`, …
    public var action: String
    public var from: String
    /// The rule's comment ("" when none).
    public var comment: String

    public init(number: Int, to: String, action: String, from: String, comment: String) {
        (self.number, self.to, self.action, self.from, self.comment) = (number, to, action, from, comment)
    }

    public var isV6: Bool { to.contains("(v6)") || from.contains("(v6)") }
    public var isCFSync: Bool { comment.hasPrefix(UfwLayout.tag) }

    /// The row without its number, so rows compare across renumbering.
    public var text: String { "\(to) | \(action) | \(from)" + (comment.isEmpty ? "" : " # \(comment)") }
}

/// Parses `ufw status numbered` (ufw 0.36: `[ n] <to> <ACTION DIR> <from> [# comment]`).
public enum UfwStatus {
    public static func parse(_ text: String) -> [UfwStatusRow] {
        text.split(separator: "\n").compactMap(parseRow)
    }

    private static let verbs = ["ALLOW", "DENY", "REJECT", "LIMIT"]

    static func parseRow(_ line: Substring) -> UfwStatusRow? {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]"),
              let number = Int(line[line.index(after: line.startIndex)..<close].trimmingWhitespace)
        else { return nil }
        var rest = line[line.index(after: close)...]
        var comment = ""
        if let hash = rest.range(of: " # ") {
            comment = String(rest[hash.upperBound...].trimmingWhitespace)
            rest = rest[..<hash.lowerBound]
        }
        let words = rest.split(separator: " ", omittingEmptySubsequences: false)
        guard let verbAt = words.firstIndex(where: { verbs.contains(String($0)) }) else { return nil }
        var actionEnd = verbAt + 1
        if actionEnd < words.count, ["IN", "OUT", "FWD"].contains(String(words[actionEnd])) { actionEnd += 1 }
        func joined(_ slice: ArraySlice<Substring>) -> String {
            slice.filter { !$0.isEmpty }.joined(separator: " ")
        }
        return UfwStatusRow(number: number, to: joined(words[..<verbAt]), action: joined(words[verbAt..<actionEnd]),
                            from: joined(words[actionEnd...]), comment: comment)
    }
}
