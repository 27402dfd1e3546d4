import Foundation

/// The two settings of ufw's own configuration that decide what cfsync may do.
struct UfwConfig: Equatable {
    /// ufw.conf ENABLED=yes: ufw is active (cfsync never enables it).
    var enabled: Bool
    /// /etc/default/ufw IPV6=yes: ufw loads user6.rules.
    var ipv6: Bool

    init(enabled: Bool, ipv6: Bool) {
        self.enabled = enabled
        self.ipv6 = ipv6
    }

    init(paths: UfwPaths) throws {
        let conf: String
        do {
            conf = try String(contentsOfFile: paths.conf, encoding: .utf8)
        } catch {
            throw CFSyncError.failed("--backend ufw: cannot read \(paths.conf); is ufw installed?")
        }
        let defaults = (try? String(contentsOfFile: paths.defaults, encoding: .utf8)) ?? ""
        enabled = Self.value("ENABLED", in: conf)?.lowercased() == "yes"
        // ufw treats anything but "yes" as no; a missing file means ufw's default (yes).
        ipv6 = (Self.value("IPV6", in: defaults) ?? "yes").lowercased() == "yes"
    }

    /// The last `KEY=value` of a shell-style file, quotes removed.
    static func value(_ key: String, in text: String) -> String? {
        var found: String?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix(key + "=") else { continue }
            found = String(line.dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
        }
        return found
    }
}
