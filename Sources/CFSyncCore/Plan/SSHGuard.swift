/// Never lock the operator out: when cfsync runs from an SSH session whose
/// server port is protected, lockdown must keep that client's address allowed.
public enum SSHGuard {
    /// `sshConnection` is `$SSH_CONNECTION`: "client_ip client_port server_ip server_port".
    /// Returns why the plan would cut that session off, or nil when it would not.
    public static func violation(sshConnection: String?, policy: Policy, desired: AddressLists) -> String? {
        switch policy.mode {
        case .lockdown: break
        case .allow: return nil  // nothing is dropped that was not dropped before
        }
        guard let fields = sshConnection?.split(separator: " "), fields.count == 4,
              let port = UInt16(fields[3]), policy.ports.contains(port)
        else { return nil }
        var client = String(fields[0])
        if client.lowercased().hasPrefix("::ffff:"), client.contains(".") { client = String(client.dropFirst(7)) }
        let covered: Bool
        if let address = try? IPv4Prefix(parsing: client) {
            guard policy.manages(.ipv4) else { return nil }
            covered = desired.ipv4.contains { $0.contains(address) }
        } else if let address = try? IPv6Prefix(parsing: client) {
            guard policy.manages(.ipv6) else { return nil }
            covered = desired.ipv6.contains { $0.contains(address) }
        } else {
            return nil
        }
        guard !covered else { return nil }
        return "this SSH session (\(client) to port \(port)) would be dropped by lockdown on port \(port); add --allow \(client) or use --force"
    }
}
