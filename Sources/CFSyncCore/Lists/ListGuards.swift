/// The semantic guards from spec/cli.md: what may be in a published allowlist, what may be
/// passed to `--allow`, and how much a list may shrink between runs.
public enum ListGuards {
    /// No prefix shorter than /8 (IPv4) or /16 (IPv6); no overlap with any IANA special-purpose
    /// range; IPv6 only inside global unicast 2000::/3.
    @_specialize(where P == IPv4Prefix)
    @_specialize(where P == IPv6Prefix)
    public static func checkPublic<P: IPPrefix>(_ prefix: P) throws(ListGuardViolation) {
        let minimum = SpecialPurposeRanges.minimumLength(for: P.family)
        guard prefix.length >= minimum else {
            throw ListGuardViolation(prefix: prefix.description, kind: .tooShort(minimumLength: minimum))
        }
        let first = UInt128(prefix.first), last = UInt128(prefix.last)
        if let index = SpecialPurposeRanges.firstOverlap(P.family, first: first, last: last) {
            let entry = SpecialPurposeRanges.entries(for: P.family)[index]
            throw ListGuardViolation(prefix: prefix.description, kind: .specialPurpose(range: entry.text, name: entry.name))
        }
        if P.family == .ipv6 {
            let global = SpecialPurposeRanges.ipv6GlobalUnicast
            guard first >= global.first, last <= global.last else {
                throw ListGuardViolation(prefix: prefix.description, kind: .notGlobalUnicast)
            }
        }
    }

    /// `--allow` entries: a valid CIDR (bare address ok), no host bits, private ranges fine,
    /// but not /0 (0.0.0.0/0, ::/0): that would silently turn lockdown off.
    public static func parseAllowEntry(_ text: String) throws(ListError) -> AnyPrefix {
        let prefix: AnyPrefix
        do {
            prefix = try AnyPrefix(parsing: text)
        } catch {
            throw ListError(source: "--allow", reason: error.description)
        }
        let length: Int
        switch prefix {
        case .ipv4(let p): length = p.length
        case .ipv6(let p): length = p.length
        }
        guard length > 0 else {
            throw ListError(source: "--allow", reason: "\(QuotedText.quote(text)) would allow every \(prefix.family.name) address")
        }
        return prefix
    }

    /// Shrink guard: refuse when coverage(next) is more than maxShrinkPercent % smaller than
    /// coverage(previous). previous empty -> ok. Catches a truncated or hijacked list that is
    /// still syntactically fine. `previous` is the last accepted list of the family from
    /// wherever it came (`previousSource`, named when it is not `source`): pointing cfsync
    /// at another URL is no way around the guard.
    public static func checkShrink<P: IPPrefix>(
        previous: [P], next: [P], maxShrinkPercent: Double, source: String, previousSource: String? = nil
    ) throws(ListError) {
        let before = coverage(previous)
        guard before > 0 else { return }
        let after = coverage(next)
        let shrink = (before - after) / before * 100
        guard shrink > maxShrinkPercent else { return }
        throw ListError(
            source: source,
            reason: "\(P.family.name) coverage would shrink by \(percent(shrink)) (\(previous.count) -> \(next.count) prefixes)"
                + (previousSource.map { $0 == source ? "" : " against the last accepted \(P.family.name) list, from \($0)" } ?? "")
                + ", more than --max-shrink-percent \(percent(maxShrinkPercent)); use --force if this is expected"
        )
    }

    /// "42.9%", one decimal, no Foundation formatting.
    private static func percent(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let whole = Int(tenths / 10), fraction = Int(abs(tenths).truncatingRemainder(dividingBy: 10))
        return fraction == 0 ? "\(whole)%" : "\(whole).\(fraction)%"
    }
}
