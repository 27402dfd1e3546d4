/// For `doctor` and the plan's warnings: zones that open a protected port to every source.
/// cfsync's policy runs before every zone (priority -100), so in lockdown its drop wins and
/// such a zone changes nothing; in allow mode the zone accepts every source and the
/// allowlist is moot.
public enum FirewalldFindings {
    /// Each zone of `zones` (`--list-all-zones`) that takes traffic from every source — the
    /// default zone, which takes every interface no zone names, and the zones bound to
    /// interfaces (a zone bound only to sources opens the port to those alone) — and opens a
    /// protected port; with the protected ports it opens.
    public static func openingZones(_ zones: [FirewalldInfo], defaultZone: String, servicePorts: [String: [String]], policy: Policy) -> [(zone: String, ports: [UInt16], how: String)] {
        opening(zones.filter { $0.name == defaultZone || !$0.words("interfaces").isEmpty }, servicePorts: servicePorts, policy: policy)
    }

    /// Each of `objects` that opens a protected port: through its ports, a service
    /// (`servicePorts`: service → `80/tcp`, … from `--info-service`) or a target of ACCEPT.
    static func opening(_ objects: [FirewalldInfo], servicePorts: [String: [String]], policy: Policy) -> [(zone: String, ports: [UInt16], how: String)] {
        var found: [(String, [UInt16], String)] = []
        for object in objects {
            if object.fields["target"] == "ACCEPT" {
                found.append((object.name, policy.ports, "target ACCEPT"))
                continue
            }
            var ports: Set<UInt16> = [], how: [String] = []
            for spec in object.words("ports") {
                let opened = opens(spec, policy)
                if !opened.isEmpty { ports.formUnion(opened); how.append("port \(spec)") }
            }
            for service in object.words("services") {
                let opened = (servicePorts[service] ?? []).flatMap { opens($0, policy) }
                if !opened.isEmpty { ports.formUnion(opened); how.append("service \(service)") }
            }
            if !ports.isEmpty { found.append((object.name, ports.sorted(), how.joined(separator: ", "))) }
        }
        return found
    }

    /// The protected ports a `port/proto` or `from-to/proto` spec opens.
    static func opens(_ spec: String, _ policy: Policy) -> [UInt16] {
        let parts = spec.split(separator: "/")
        guard parts.count == 2, parts[1] == "tcp" else { return [] }
        let bounds = parts[0].split(separator: "-").compactMap { UInt16($0) }
        guard let low = bounds.first, let high = bounds.last, low <= high else { return [] }
        return policy.ports.filter { (low...high).contains($0) }
    }

    /// Each policy of `policies` (`--list-all-policies`) other than cfsync's, towards the host,
    /// that opens a protected port; with its priority. One that runs before cfsync's (a lower
    /// priority) accepts unlisted sources before cfsync's drop.
    public static func openingPolicies(_ policies: [FirewalldInfo], servicePorts: [String: [String]], policy: Policy) -> [(zone: String, ports: [UInt16], how: String, priority: Int)] {
        let toHost = policies.filter { $0.name != FirewalldNames.policy && $0.words("egress-zones").contains(FirewalldNames.egressZone) }
        return opening(toHost, servicePorts: servicePorts, policy: policy).map { open in
            let priority = policies.first { $0.name == open.zone }.flatMap { Int($0.fields["priority"] ?? "") } ?? 0
            return (open.zone, open.ports, open.how, priority)
        }
    }

    /// The doctor's line for each opening policy: a warning when it runs before cfsync's or
    /// in allow mode.
    public static func findings(policies: [(zone: String, ports: [UInt16], how: String, priority: Int)], mode: Mode) -> [Finding] {
        policies.map { open in
            let ports = open.ports.map(String.init).joined(separator: ", ")
            let first = open.priority < FirewalldNames.priority
            switch (mode, first) {
            case (.lockdown, false):
                return Finding("firewalld policies", .ok, "policy \(open.zone) opens tcp \(ports) (\(open.how)) but runs after cfsync's, whose drop comes first")
            case (.lockdown, true):
                return Finding("firewalld policies", .warning, "policy \(open.zone) (priority \(open.priority)) opens tcp \(ports) (\(open.how)) before cfsync's policy (priority \(FirewalldNames.priority)) runs: unlisted sources get in, lockdown is moot")
            case (.allow, _):
                return Finding("firewalld policies", .warning, "policy \(open.zone) opens tcp \(ports) to every source (\(open.how)): in allow mode that makes the allowlist moot")
            }
        }
    }

    /// The doctor's line for each opening zone.
    public static func findings(_ zones: [(zone: String, ports: [UInt16], how: String)], mode: Mode) -> [Finding] {
        guard !zones.isEmpty else {
            return [Finding("firewalld zones", .ok, "no zone opens a protected port to every source")]
        }
        return zones.map { zone in
            let ports = zone.ports.map(String.init).joined(separator: ", ")
            switch mode {
            case .lockdown:
                return Finding("firewalld zones", .ok, "zone \(zone.zone) opens tcp \(ports) (\(zone.how)); cfsync's policy runs first and drops every unlisted source, so lockdown holds")
            case .allow:
                return Finding("firewalld zones", .warning, "zone \(zone.zone) opens tcp \(ports) to every source (\(zone.how)): in allow mode that makes the allowlist moot; use --mode lockdown or close the port in that zone")
            }
        }
    }
}
