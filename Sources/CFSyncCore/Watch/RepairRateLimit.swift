/// `cfsync watch` stops instead of looping when another tool keeps undoing its objects: more
/// than `limit` repairs within `window` seconds is a fight (two tools each re-installing
/// their own rule set), which only a person can settle.
public struct RepairRateLimit: Sendable {
    public static let standard = RepairRateLimit(limit: 10, window: 60)

    public let limit: Int
    public let window: Double
    /// Times of the repairs still inside the window, oldest first.
    private var times: [Double] = []

    public init(limit: Int, window: Double) {
        self.limit = limit
        self.window = window
    }

    /// Records a repair at `time` (seconds on a monotonic clock); true when it makes more
    /// than `limit` within the window.
    public mutating func exceeded(afterRepairAt time: Double) -> Bool {
        times.removeAll { time - $0 >= window }
        times.append(time)
        return times.count > limit
    }
}
