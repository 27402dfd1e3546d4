/// Plain-text lists as Cloudflare publishes them: one CIDR a line, no trailing newline.
public enum ListParser {
    /// Parses a plain-text list (one CIDR a line) of ONE family and applies every syntax guard from
    /// spec/cli.md: '#' comments (whole-line and trailing after whitespace), blank lines, CRLF, a UTF-8
    /// BOM tolerated; a line that is not UTF-8 text is an error even in a comment (no
    /// published list holds such a byte; it is a damaged or foreign body); anything else (HTML, a partial line such as '104.16.', a CIDR of the other family,
    /// host bits set) is an error naming `source` and the 1-based line number; each prefix must pass
    /// ListGuards.checkPublic; at least one prefix (empty -> error).
    /// Returns the prefixes as parsed (NOT aggregated). Works on bytes: no String per line.
    @_specialize(where P == IPv4Prefix)
    @_specialize(where P == IPv6Prefix)
    public static func parse<P: IPPrefix>(_ body: [UInt8], as type: P.Type, source: String) throws(ListError) -> [P] {
        let parsed: Result<[P], ListError> = body.withUnsafeBufferPointer { bytes in
            do throws(ListError) { return .success(try parseLines(bytes, source: source)) } catch { return .failure(error) }
        }
        let prefixes = try parsed.get()
        guard !prefixes.isEmpty else { throw ListError(source: source, reason: "no \(P.family.name) prefixes") }
        return prefixes
    }

    @inline(__always)
    private static func parseLines<P: IPPrefix>(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws(ListError) -> [P] {
        let newline = UInt8(ascii: "\n")
        var result: [P] = []
        result.reserveCapacity(bytes.count / 16)
        var index = hasBOM(bytes) ? 3 : 0
        var lineNumber = 0
        while index < bytes.count {
            lineNumber += 1
            var end = index
            var highBits: UInt8 = 0
            while end < bytes.count, bytes[end] != newline {
                highBits |= bytes[end]
                end += 1
            }
            // Only a line with a non-ASCII byte needs the UTF-8 check.
            if highBits & 0x80 != 0, !isUTF8(UnsafeBufferPointer(rebasing: bytes[index..<end])) {
                throw ListError(source: source, line: lineNumber, reason: "not UTF-8 text")
            }
            let token = content(of: bytes, from: index, to: end)
            index = end + 1
            guard !token.isEmpty else { continue }
            let line = UnsafeBufferPointer(rebasing: bytes[token])
            let prefix: P
            do {
                prefix = try P(utf8: line)
            } catch {
                let hint = line.first == UInt8(ascii: "<") ? " (looks like an HTML page)" : ""
                throw ListError(source: source, line: lineNumber, reason: error.description + hint)
            }
            do {
                try ListGuards.checkPublic(prefix)
            } catch {
                throw ListError(source: source, line: lineNumber, reason: error.description)
            }
            result.append(prefix)
        }
        return result
    }

    private static func isUTF8(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        String(validating: line, as: UTF8.self) != nil
    }

    private static func hasBOM(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// The line between `start` and `end` without a trailing CR, surrounding blanks and a comment.
    /// A '#' starts a comment only at the start or after a blank, so "1.2.3.0/24#x" stays an error.
    @inline(__always)
    private static func content(of bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Range<Int> {
        let hash = UInt8(ascii: "#")
        var lower = start, upper = end
        if upper > lower, bytes[upper - 1] == UInt8(ascii: "\r") { upper -= 1 }
        while lower < upper, isBlank(bytes[lower]) { lower += 1 }
        var cursor = lower
        while cursor < upper {
            if bytes[cursor] == hash, cursor == lower || isBlank(bytes[cursor - 1]) {
                upper = cursor
                break
            }
            cursor += 1
        }
        while upper > lower, isBlank(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
