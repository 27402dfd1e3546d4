import Foundation

/// One object as `firewall-cmd --info-ipset`, `--info-policy`, `--list-all-zones` or
/// `--list-all-policies` prints it (firewalld 1.3.3): a name line (`public (default, active)`),
/// then `  key: value` lines, the rich rules one per tab-indented line under `  rich rules:`.
public struct FirewalldInfo: Equatable, Sendable {
    public var name: String
    /// The words in parentheses after the name (`default`, `active`); runtime-only facts.
    public var marks: [String]
    /// `key: value` lines in order, values as printed (space-separated lists).
    public var fields: [String: String]
    public var richRules: [String]

    public init(name: String, marks: [String] = [], fields: [String: String] = [:], richRules: [String] = []) {
        self.name = name
        self.marks = marks
        self.fields = fields
        self.richRules = richRules
    }

    /// The space-separated words of a field; empty when it is empty or absent.
    public func words(_ key: String) -> [String] {
        (fields[key] ?? "").split(separator: " ").map(String.init)
    }

    /// Every object in `text`; throws on a line that fits none of the shapes, so a format
    /// change of firewall-cmd fails the run instead of being read as "nothing".
    public static func parseAll(_ text: String) throws -> [FirewalldInfo] {
        var objects: [FirewalldInfo] = []
        var inRichRules = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("\t") {
                guard inRichRules, !objects.isEmpty else { throw FirewalldParseError(line: line) }
                objects[objects.count - 1].richRules.append(String(line.dropFirst()))
            } else if line.hasPrefix("  ") {
                guard !objects.isEmpty, let colon = line.firstIndex(of: ":") else { throw FirewalldParseError(line: line) }
                let key = line[..<colon].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                objects[objects.count - 1].fields[key] = value
                inRichRules = key == "rich rules"
            } else {
                objects.append(header(line))
                inRichRules = false
            }
        }
        return objects
    }

    /// The one object of an `--info-*` answer.
    public static func parse(_ text: String) throws -> FirewalldInfo {
        let all = try parseAll(text)
        guard all.count == 1, let first = all.first else { throw FirewalldParseError(line: text.split(separator: "\n").first.map(String.init) ?? "") }
        return first
    }

    private static func header(_ line: String) -> FirewalldInfo {
        guard line.hasSuffix(")"), let open = line.firstIndex(of: "(") else { return FirewalldInfo(name: line) }
        let name = line[..<open].trimmingCharacters(in: .whitespaces)
        let marks = line[line.index(after: open)..<line.index(before: line.endIndex)]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return FirewalldInfo(name: name, marks: marks)
    }

    /// The block as firewall-cmd prints it, without the marks: what the snapshot keeps and
    /// what the runtime/permanent comparison compares.
    public func render(keys: [String]) -> String {
        var text = name + "\n"
        for key in keys {
            text += "  \(key): \(fields[key] ?? "")\n"
        }
        text += "  rich rules: \n" + richRules.map { "\t\($0)\n" }.joined()
        return text
    }
}

/// A line of firewall-cmd's output cfsync does not understand.
public struct FirewalldParseError: Error, CustomStringConvertible {
    public var line: String
    public var description: String { "firewall-cmd printed a line cfsync does not understand: '\(line)'" }
}
