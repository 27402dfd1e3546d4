/// One check of `cfsync doctor`: what was looked at, how it went, and what to do.
public struct Finding: Equatable, Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        case ok, warning, error
    }

    public var check: String
    public var status: Status
    public var detail: String

    public init(_ check: String, _ status: Status, _ detail: String) {
        self.check = check
        self.status = status
        self.detail = detail
    }
}
