/// Strict dotted-quad CIDR syntax: four decimal octets 0-255 without leading zeros
/// ("010.1.1.1" is octal to some tools, so it is refused), optional "/n".
enum IPv4Syntax {
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> SyntaxOutcome<UInt32> {
        var i = 0
        var address: UInt32 = 0
        for octet in 0..<4 {
            if octet > 0 {
                guard i < bytes.count, bytes[i] == ASCII.dot else { return .malformed }
                i += 1
            }
            let start = i
            var value: UInt32 = 0
            while i < bytes.count, let d = ASCII.digit(bytes[i]) {
                guard i - start < 3 else { return .malformed }
                value = value * 10 + UInt32(d)
                i += 1
            }
            let digits = i - start
            guard digits > 0, value <= 255, digits == 1 || bytes[start] != ASCII.zero else { return .malformed }
            address = address << 8 | value
        }
        return scanLength(bytes, from: i, address: address, maxLength: 32)
    }

    static func format(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xff).\(address >> 8 & 0xff).\(address & 0xff)"
    }
}
