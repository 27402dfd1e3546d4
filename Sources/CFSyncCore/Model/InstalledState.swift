/// What a backend read back from the kernel: the truth every plan is computed against.
public struct InstalledState: Equatable, Sendable {
    /// Whether cfsync's objects exist and are shaped as the policy asks.
    public enum Structure: Equatable, Sendable {
        /// No cfsync object exists.
        case absent
        /// Every object exists exactly as the policy asks.
        case matches
        /// Objects exist but differ; each item says what, for `status` and `plan`.
        case differs([String])
    }

    public var structure: Structure
    /// Prefixes found in cfsync's own sets or rules.
    public var lists: AddressLists

    public init(structure: Structure, lists: AddressLists) {
        self.structure = structure
        self.lists = lists
    }

    public static let absent = InstalledState(structure: .absent, lists: .empty)
}
