import Foundation

extension StateDirectory {
    /// Writes `value` as JSON and a newline, atomically, and only when the bytes differ from
    /// the file's (`writeIfChanged`). Returns whether it wrote.
    @discardableResult
    func writeJSON<Value: Encodable>(_ relativePath: String, _ value: Value, encoder: JSONEncoder) throws -> Bool {
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw failure("cannot encode \(relativePath): \(error)")
        }
        return try writeIfChanged(relativePath, Array(data) + [0x0a])
    }
}
