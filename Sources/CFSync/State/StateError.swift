/// A state-dir failure, one line naming the directory: "state dir /var/lib/cfsync: <what>".
public struct StateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The state dir (not the file inside it; `message` names that).
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "state dir \(path): \(message)" }
}
