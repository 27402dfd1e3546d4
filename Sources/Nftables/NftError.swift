import Glibc

/// A failed libnftables command, with nft's own error text.
public struct NftError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, as far as the caller needs to branch on it.
    public enum Kind: Sendable, Equatable {
        /// An object named by the command does not exist (ENOENT).
        case notFound
        /// An object to create exists already (EEXIST), or an interval overlaps.
        case exists
        /// Not allowed: cfsync needs CAP_NET_ADMIN (EPERM).
        case permission
        /// The script did not parse.
        case syntax
        /// libnftables itself is not usable.
        case unavailable
        /// A set element carries what the netlink reader does not interpret (`NftSetReader`).
        case uninterpretable
        /// The ruleset changed after cfsync read it (the kernel's ERESTART for a batch of an
        /// older generation); nothing of the batch was applied.
        case changed
        /// Anything else the kernel refused.
        case other
    }

    public var kind: Kind
    /// nft's message, trimmed to its error lines.
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// The ruleset is no longer at the generation cfsync read; nothing was sent.
    public static let changed = NftError(kind: .changed, message: "the ruleset changed since cfsync read it; nothing applied")

    /// Classifies the error buffer of a failed command.
    init(libnftablesMessage text: String) {
        let lines = text.split(separator: "\n").filter { $0.contains("Error:") }
        let message = lines.isEmpty ? text.trimmingTrailingNewlines : lines.joined(separator: "; ")
        let kind: Kind
        if message.contains("No such file or directory") {
            kind = .notFound
        } else if message.contains("File exists") || message.contains("interval overlaps") {
            kind = .exists
        } else if message.contains("Operation not permitted") {
            kind = .permission
        } else if message.contains("syntax error") {
            kind = .syntax
        } else {
            kind = .other
        }
        self.init(kind: kind, message: message)
    }

    /// A negative errno from `cfnl_dump_inet_set` (`reading`) or `cfnl_change_inet_sets`.
    init(netlinkStatus status: Int32, reading: Bool, sets: [String]) {
        let kind: Kind
        switch -status {
        case ENOENT: kind = .notFound
        case EEXIST: kind = .exists
        case EPERM: kind = .permission
        case EPROTO: kind = .uninterpretable
        case ERESTART: kind = .changed
        default: kind = .other
        }
        let reason: String
        switch (kind, reading) {
        case (.uninterpretable, true): reason = "an element carries more than a key and an interval flag"
        case (.notFound, false): reason = "an element to delete is not installed, or a set is missing (changed since cfsync read it?)"
        case (.exists, false): reason = "an added prefix overlaps one installed"
        case (.changed, false): reason = "the ruleset changed since cfsync read it"
        default: reason = String(cString: strerror(-status))
        }
        let what = sets.isEmpty ? "reading the ruleset generation"
            : (reading ? "reading " : "changing ") + (sets.count == 1 ? "set " : "sets ") + sets.joined(separator: ", ")
        // Only a refusal the kernel answered aborts the batch; lost or missing answers say
        // nothing about what it committed.
        let outcome = switch (reading, -status) {
        case (true, _): ""
        case (false, ENOBUFS), (false, EPROTO): "; the kernel's answers were lost, so whether it applied the batch is unknown"
        case (false, _): "; the kernel applied none of the batch"
        }
        self.init(kind: kind, message: "\(what): \(reason)\(outcome)")
    }

    public var description: String { "nftables: \(message)" }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
