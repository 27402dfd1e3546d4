import Foundation

/// For `doctor`: base chains outside `inet cfsync` that see the same input
/// traffic. An accept in cfsync's table does not override another table's drop,
/// so a chain there that drops by default decides the protected ports too.
public enum NftFindings {
    /// `nft -j list chains` → findings about other input-hook chains that drop by default.
    public static func otherDroppingInputChains(chainsJSON: String, policy: Policy) throws -> [Finding] {
        guard let root = try JSONSerialization.jsonObject(with: Data(chainsJSON.utf8)) as? [String: Any],
              let objects = root["nftables"] as? [[String: Any]]
        else { throw NftSetElements.ParseError(message: "no \"nftables\" array") }
        return objects.compactMap { object in
            guard let chain = object["chain"] as? [String: Any],
                  chain["hook"] as? String == "input", chain["policy"] as? String == "drop",
                  let family = chain["family"] as? String, let table = chain["table"] as? String,
                  let name = chain["name"] as? String,
                  !(family == NftLayout.family && table == NftLayout.table)
            else { return nil }
            let ports = policy.ports.map(String.init).joined(separator: ",")
            let consequence = switch policy.mode {
            case .allow: "cfsync's accepts (allow mode) do not override it: that chain must accept tcp \(ports) itself"
            case .lockdown: "it must accept tcp \(ports) from Cloudflare itself, or Cloudflare is dropped there (502/522)"
            }
            return Finding("nftables: chain \(family) \(table) \(name)", .warning, "drops input by default; \(consequence)")
        }
    }
}
