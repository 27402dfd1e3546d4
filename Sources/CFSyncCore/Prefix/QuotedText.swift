/// Makes untrusted input (a fetched body, a command-line argument) safe to embed in a
/// one-line error message: control characters escaped, long text truncated.
enum QuotedText {
    /// Longest quoted excerpt, in characters; enough to recognise "<!DOCTYPE html>" or a glued line.
    static let limit = 60

    /// `'text'`, escaped and truncated to ``limit`` characters.
    static func quote(_ text: some StringProtocol) -> String {
        var excerpt = String(text)
        if excerpt.count > limit {
            excerpt = String(excerpt.prefix(limit - 1)) + "…"
        }
        return "'" + escaped(excerpt) + "'"
    }

    /// Replaces control and line-separator characters with Swift-style escapes so the result is one line.
    static func escaped(_ text: some StringProtocol) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                result += scalar.escaped(asASCII: true)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }
}
