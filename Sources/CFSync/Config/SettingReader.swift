import CFSyncCore

/// Reads one raw setting as the type its option needs, with errors that name
/// the option (or config key) and the offending value.
struct SettingReader {
    let value: SettingValue
    let origin: String

    func invalid(_ what: String) -> CFSyncError {
        .usage("\(origin): \(Self.show(value)) \(what)")
    }

    static func show(_ value: SettingValue) -> String {
        switch value {
        case .string(let s): "'\(s)'"
        case .integer(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        case .list(let l): "[" + l.map(show).joined(separator: ", ") + "]"
        }
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw invalid("is not a string") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw invalid("is not true or false") }
        return b
    }

    func choice<T: RawRepresentable & CaseIterable>(_: T.Type) throws -> T where T.RawValue == String {
        let s = try string()
        guard let v = T(rawValue: s) else {
            throw invalid("must be " + T.allCases.map(\.rawValue).joined(separator: " or "))
        }
        return v
    }

    func number(in range: ClosedRange<Double>) throws -> Double {
        let n: Double
        switch value {
        case .integer(let i): n = Double(i)
        case .double(let d): n = d
        case .string(let s):
            guard let d = Double(s) else { throw invalid("is not a number") }
            n = d
        default: throw invalid("is not a number")
        }
        guard n.isFinite, range.contains(n) else {
            throw invalid("is out of range (\(Self.trim(range.lowerBound))–\(Self.trim(range.upperBound)))")
        }
        return n
    }

    private static func trim(_ d: Double) -> String {
        d == d.rounded() ? String(Int(d)) : String(d)
    }

    /// A list from TOML, or a comma-separated string from the command line.
    func strings() throws -> [String] {
        switch value {
        case .string(let s):
            return s.split(separator: ",").map { String($0).trimmingWhitespace }
        case .list(let items):
            var out: [String] = []
            for item in items {
                switch item {
                case .string(let s): out.append(s)
                case .integer(let i): out.append(String(i))
                default: throw invalid("must be a list of strings")
                }
            }
            return out
        default:
            throw invalid("must be a list")
        }
    }

    func ports() throws -> [UInt16] {
        if case .integer(let i) = value { return try PolicyValidation.ports([String(i)], origin: origin) }
        return try PolicyValidation.ports(try strings(), origin: origin)
    }

    func url() throws -> String {
        let s = try string()
        let schemes = ["http://", "https://", "file://"]
        guard schemes.contains(where: { s.hasPrefix($0) && s.count > $0.count }) else {
            throw invalid("is not an http://, https:// or file:// URL")
        }
        return s
    }

    func path() throws -> String {
        let s = try string()
        guard !s.isEmpty, !s.contains("\0") else { throw invalid("is not a path") }
        return s
    }

    /// Bytes, with an optional K or M suffix (powers of 1024).
    func byteSize() throws -> Int {
        if case .integer(let i) = value, i > 0 { return i }
        var s = try string().uppercased()
        var unit = 1
        if s.hasSuffix("K") { unit = 1024; s.removeLast() } else if s.hasSuffix("M") { unit = 1024 * 1024; s.removeLast() }
        guard let n = Int(s), n > 0, n <= Int.max / unit else { throw invalid("is not a size in bytes (e.g. 1048576, 512K, 2M)") }
        return n * unit
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
