/// A list (or an `--allow` entry) was refused. Always renders as one line naming the source,
/// the line when there is one, and what is wrong.
public struct ListError: Error, Equatable, Sendable, CustomStringConvertible {
    /// URL or "--allow"
    public var source: String
    /// 1-based line in the body, when the problem is on one line.
    public var line: Int?
    public var reason: String

    public init(source: String, line: Int? = nil, reason: String) {
        self.source = source
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let location = line.map { "\(source) line \($0)" } ?? source
        return QuotedText.escaped("\(location): \(reason)")
    }
}
