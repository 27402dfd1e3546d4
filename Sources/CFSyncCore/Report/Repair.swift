import Foundation

/// A repair made by `cfsync watch`: cfsync's objects were removed or altered by something
/// else (a firewall reload, another tool) and the last applied state was re-installed.
/// The last one is kept in the state dir; `status` and the metrics show it.
public struct Repair: Equatable, Sendable {
    public var at: Date
    /// What was missing or altered, as people read it ("create table inet cfsync",
    /// "ipv4: 2 prefixes missing").
    public var repaired: [String]
    /// Repairs recorded in this state dir so far, this one included (the metrics' counter).
    public var total: Int

    public init(at: Date, repaired: [String], total: Int) {
        self.at = at
        self.repaired = repaired
        self.total = total
    }

    /// What a repair's report says was missing: its structural steps, then the prefixes it
    /// added (missing) and removed (not in the applied lists), counted per family.
    public static func missing(in report: Report) -> [String] {
        var items = report.structural
        for family in Family.allCases {
            guard let change = report.changes[family] else { continue }
            if !change.add.isEmpty { items.append("\(family.rawValue): \(count(change.add.count)) missing") }
            if !change.remove.isEmpty { items.append("\(family.rawValue): \(count(change.remove.count)) not in the applied lists") }
        }
        return items
    }

    private static func count(_ n: Int) -> String { n == 1 ? "1 prefix" : "\(n) prefixes" }
}

/// The state dir's file: `{"at": "<RFC 3339>", "repaired": [...], "total": n}`.
extension Repair: Codable {
    private enum Key: String, CodingKey { case at, repaired, total }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let text = try c.decode(String.self, forKey: .at)
        guard let at = UTCTimestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: .at, in: c, debugDescription: "'\(text)' is not an RFC 3339 time")
        }
        self.init(at: at, repaired: try c.decode([String].self, forKey: .repaired), total: try c.decode(Int.self, forKey: .total))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(UTCTimestamp.format(at), forKey: .at)
        try c.encode(repaired, forKey: .repaired)
        try c.encode(total, forKey: .total)
    }
}
