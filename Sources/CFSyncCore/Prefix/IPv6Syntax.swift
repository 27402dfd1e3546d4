/// RFC 4291 text form (hex groups, at most one "::"), optional "/n"; formatting per RFC 5952.
/// Zone ids and embedded dotted IPv4 are refused: neither belongs in a firewall allowlist.
enum IPv6Syntax {
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> SyntaxOutcome<UInt128> {
        let n = bytes.count
        var i = 0
        var head: UInt128 = 0, headCount = 0
        var tail: UInt128 = 0, tailCount = 0
        var compressed = false

        if n >= 2, bytes[0] == ASCII.colon, bytes[1] == ASCII.colon {
            compressed = true
            i = 2
        }
        var atEnd = i == n || bytes[i] == ASCII.slash
        guard !(i == 0 && atEnd) else { return .malformed }
        while !atEnd {
            let start = i
            var group: UInt128 = 0
            while i < n, let d = ASCII.hexDigit(bytes[i]) {
                guard i - start < 4 else { return .malformed }
                group = group << 4 | UInt128(d)
                i += 1
            }
            guard i > start, headCount + tailCount < 8 else { return .malformed }
            if compressed {
                tail = tail << 16 | group
                tailCount += 1
            } else {
                head = head << 16 | group
                headCount += 1
            }
            if i == n || bytes[i] == ASCII.slash { break }
            guard bytes[i] == ASCII.colon else { return .malformed }
            i += 1
            if i < n, bytes[i] == ASCII.colon {
                guard !compressed else { return .malformed }
                compressed = true
                i += 1
                atEnd = i == n || bytes[i] == ASCII.slash
            }
        }
        let groups = headCount + tailCount
        guard compressed ? groups <= 7 : groups == 8 else { return .malformed }
        let address = headCount == 0 ? tail : head << (16 * (8 - headCount)) | tail
        return scanLength(bytes, from: i, address: address, maxLength: 128)
    }

    /// RFC 5952: lowercase, no leading zeros, the longest run (first on a tie) of two or
    /// more zero groups becomes "::".
    static func format(_ address: UInt128) -> String {
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: address >> (16 * (7 - $0))) }
        var bestStart = -1, bestLength = 1
        var runStart = -1
        for index in 0...8 {
            if index < 8, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}
