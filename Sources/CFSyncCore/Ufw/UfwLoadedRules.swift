/// Whether the kernel holds, rule by rule, what ufw's rules file says.
///
/// `iptables -S` does not print a rule as ufw wrote it: the generic options come first in a
/// fixed order (`-s -d -i -o -p`), `-p tcp` gains its implicit `-m tcp`, a host address its
/// `/32` or `/128` and an address its host bits cleared, a match's options come in the
/// extension's order, and extensions add their defaults (`recent --name DEFAULT …`, `REJECT
/// --reject-with …`). So each rule is reduced to what it means: the generic options, each
/// match and the target with the set of their options. A loaded rule must have the same
/// generic options, matches and target, each holding every option the file gave it (it
/// may hold more: the defaults).
public enum UfwLoadedRules {
    /// nil when `kernel` (the `-A` lines of `iptables -S chain`) holds the rules of `file`
    /// (the file's `-A chain` lines) in order; else one line naming the first difference.
    public static func difference(chain: String, file: [String], kernel: [String], fileName: String) -> String? {
        for index in 0..<max(file.count, kernel.count) {
            guard index < kernel.count else {
                return "chain \(chain) lacks rule \(index + 1) of \(fileName) (\(file[index])): edited without loading?"
            }
            guard index < file.count else {
                return "chain \(chain) has rule \(index + 1) (\(kernel[index])) that \(fileName) does not: loaded from elsewhere?"
            }
            if !RuleMeaning(file[index]).isLoaded(as: RuleMeaning(kernel[index])) {
                return "chain \(chain) rule \(index + 1) is \(kernel[index]) but \(fileName) has \(file[index]): edited without loading?"
            }
        }
        return nil
    }
}

/// One `-A chain …` rule reduced to its meaning (see `UfwLoadedRules`).
struct RuleMeaning {
    /// `-A`, `-s`, `-d`, `-i`, `-o`, `-p`, `-f` (with `! ` when negated) and their values.
    var generic: [String: String] = [:]
    /// Each match by name (`-p tcp`'s implicit match as `tcp`) with its options, each an
    /// option and its values; matches are ANDed, so their order does not matter.
    var matches: [String: Set<[String]>] = [:]
    var target: String?
    var targetOptions: Set<[String]> = []

    static let genericOptions: Set<String> = ["-A", "-s", "-d", "-i", "-o", "-p", "-f"]

    init(_ rule: String) {
        var words = Self.words(rule)[...]
        var match = ""
        var inTarget = false
        var negated = false
        while let word = words.popFirst() {
            if word == "!" {
                negated = true
                continue
            }
            let key = negated ? "! " + word : word
            negated = false
            if Self.genericOptions.contains(word) {
                let value = words.popFirst() ?? ""
                generic[key] = word == "-s" || word == "-d" ? Self.canonicalAddress(value) : value
                // `-p tcp --dport 22`: the options that follow belong to tcp's implicit match,
                // which `iptables -S` names (`-p tcp -m tcp --dport 22`).
                if word == "-p" { (match, inTarget) = (value, false) }
            } else if word == "-m" {
                (match, inTarget) = (words.popFirst() ?? "", false)
                matches[match] = matches[match] ?? []
            } else if word == "-j" {
                (target, inTarget) = (words.popFirst() ?? "", true)
            } else {
                var option = [key]
                while let next = words.first, next != "!", !next.hasPrefix("-") || Int(next) != nil {
                    option.append(next)
                    words.removeFirst()
                }
                if inTarget { targetOptions.insert(option) } else { matches[match, default: []].insert(option) }
            }
        }
    }

    /// The kernel's rule means this one: the same generic options, matches and target,
    /// each holding at least the options this one gives it (the rest are defaults).
    func isLoaded(as kernel: RuleMeaning) -> Bool {
        generic == kernel.generic && target == kernel.target && targetOptions.isSubset(of: kernel.targetOptions)
            && Set(matches.keys) == Set(kernel.matches.keys)
            && matches.allSatisfy { name, options in options.isSubset(of: kernel.matches[name] ?? []) }
    }

    /// Shell-like words: quotes group and are removed (`'dapp_WWW%20Full'`, `"a b"`).
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped {
                word.append(c)
                escaped = false
            } else if c == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(c)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }

    /// `10.0.0.1/8` -> `10.0.0.0/8`, `192.0.2.9` -> `192.0.2.9/32`, `2001:DB8::1/32` ->
    /// `2001:db8::/32`, as iptables prints them; anything else as given.
    static func canonicalAddress(_ text: String) -> String {
        Array(text.utf8).withUnsafeBufferPointer { view in
            if case .prefix(let address, let length) = IPv4Syntax.scan(view) {
                return IPv4Prefix(containing: address, length: length).description
            }
            if case .prefix(let address, let length) = IPv6Syntax.scan(view) {
                return IPv6Prefix(containing: address, length: length).description
            }
            return text
        }
    }
}
