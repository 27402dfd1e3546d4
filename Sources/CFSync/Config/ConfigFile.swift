import Foundation
import TOMLKit

/// `/etc/cfsync/config.toml`: the long options as TOML keys. Unknown keys and
/// values of the wrong type are errors, so a typo never silently changes nothing.
public enum ConfigFile {
    public static let defaultPath = "/etc/cfsync/config.toml"

    public static func load(path: String) throws -> [SettingKey: SettingValue] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CFSyncError.usage("config \(path): cannot be read (\(Self.reason(error)))")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw CFSyncError.usage("config \(path) line \(error.source.begin.line): \(error.description)")
        } catch {
            throw CFSyncError.usage("config \(path): \(error)")
        }
        var values: [SettingKey: SettingValue] = [:]
        for key in table.keys.sorted() {
            guard let setting = SettingKey(configName: key) else {
                throw CFSyncError.usage("config \(path): unknown key '\(key)'")
            }
            guard let raw = table[key], let value = convert(raw) else {
                throw CFSyncError.usage("config \(path): key '\(key)' has a value of an unsupported type")
            }
            values[setting] = value
        }
        return values
    }

    private static func convert(_ raw: TOMLValueConvertible) -> SettingValue? {
        switch raw.type {
        case .string: return raw.string.map(SettingValue.string)
        case .int: return raw.int.map(SettingValue.integer)
        case .double: return raw.double.map(SettingValue.double)
        case .bool: return raw.bool.map(SettingValue.bool)
        case .array:
            guard let array = raw.array else { return nil }
            var items: [SettingValue] = []
            for element in array {
                guard let item = convert(element) else { return nil }
                items.append(item)
            }
            return .list(items)
        default: return nil
        }
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
