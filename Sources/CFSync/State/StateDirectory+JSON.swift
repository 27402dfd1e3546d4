import Foundation

extension StateDirectory {
    /// Writes `value` as JSON and a newline, atomically, and only when the bytes differ from
    /// the file's: a run that changes nothing writes nothing. Returns whether it wrote.
    @discardableResult
    func writeJSON<Value: Encodable>(_ relativePath: String, _ value: Value, encoder: JSONEncoder) throws -> Bool {
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw failure("cannot encode \(relativePath): \(error)")
        }
        let bytes = Array(data) + [0x0a]
        if try read(relativePath) == bytes { return false }
        try write(relativePath, bytes)
        return true
    }
}
