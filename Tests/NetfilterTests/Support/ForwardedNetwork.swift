import Foundation
import XCTest

/// Two "container" namespaces behind the origin, which forwards for them as a Docker host does:
///
///     client ── origin (ip_forward) ─┬─ cfd/cfe ── web    10.99.0.2   origin:443 DNATed to its :8443
///      192.0.2.10 (remote :443)      └─ cfg/cfh ── other  10.98.0.2
///
/// The containers reach the client through the origin, masqueraded like Docker's egress;
/// the client reaches them routed, without NAT (a routed network behind the host). Only
/// the published port is DNATed, so only the ORIGINAL destination port says 443 there.
/// Every path crosses the origin's forward hook.
final class ForwardedNetwork {
    static let web = "10.99.0.2"
    static let other = "10.98.0.2"
    /// The published port's target inside `web`.
    static let publishedTarget = 8443

    let web: Namespace
    let other: Namespace
    private var servers: [BackgroundProcess] = []
    private let tools: NetfilterSuite.Tools

    /// `iptables` is the tool that writes the origin's nat rules (the variant under test).
    init(behind origin: Namespace, client: Namespace, iptables: String, tools: NetfilterSuite.Tools) throws {
        self.tools = tools
        let base = "cfs-\(getpid())-\(UUID().uuidString.prefix(6))"
        web = Namespace(name: base + "-web", tools: tools)
        other = Namespace(name: base + "-other", tools: tools)
        do {
            try build(origin: origin, client: client, iptables: iptables)
        } catch {
            destroy()
            throw error
        }
    }

    private func build(origin: Namespace, client: Namespace, iptables: String) throws {
        for (ns, subnet, link) in [(web, "10.99.0", ("cfd", "cfe")), (other, "10.98.0", ("cfg", "cfh"))] {
            let added = try Subprocess.run([tools.ip, "netns", "add", ns.name])
            guard added.succeeded else { throw SubprocessError(description: "ip netns add: \(added)") }
            try ns.check([tools.ip, "link", "set", "lo", "up"])
            try origin.check([tools.ip, "link", "add", link.0, "type", "veth", "peer", "name", link.1, "netns", ns.name])
            try origin.check([tools.ip, "addr", "add", "\(subnet).1/24", "dev", link.0])
            try origin.check([tools.ip, "link", "set", link.0, "up"])
            try ns.check([tools.ip, "addr", "add", "\(subnet).2/24", "dev", link.1])
            try ns.check([tools.ip, "link", "set", link.1, "up"])
            try ns.check([tools.ip, "route", "add", "default", "via", "\(subnet).1"])
        }
        try client.check([tools.ip, "route", "add", "10.96.0.0/14", "via", Topology.Address.originUnlistedV4])
        try origin.check(["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"])
        // Docker's publish rule: only connections to the host's own addresses are DNATed.
        try origin.check([iptables, "-t", "nat", "-A", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL",
                          "-p", "tcp", "--dport", "443", "-j", "DNAT", "--to-destination", "\(Self.web):\(Self.publishedTarget)"])
        try origin.check([iptables, "-t", "nat", "-A", "POSTROUTING", "-s", "10.96.0.0/14", "-o", "cfo", "-j", "MASQUERADE"])
        try serve(in: web, ports: "\(Self.publishedTarget),443")
        try serve(in: other, ports: "443")
        try serve(in: client, ports: "443")
    }

    private func serve(in ns: Namespace, ports: String) throws {
        let server = try ns.background([tools.python, NetfilterSuite.tcpServerScript, "--ports", ports])
        servers.append(server)
        _ = try server.waitForLine(startingWith: "ready")
    }

    /// Stops the servers and deletes both namespaces (idempotent).
    func destroy() {
        servers.forEach { $0.terminate() }
        servers.removeAll()
        for ns in [web, other] { _ = try? Subprocess.run([tools.ip, "netns", "del", ns.name], timeout: 10) }
    }

    deinit { destroy() }
}

extension NetfilterTestCase {
    /// The traffic `--forward` must never touch, each expected to connect: a container's
    /// own outbound connection to a remote :443, a container calling another on :443, and
    /// an unlisted client routed (not DNATed) to a container's :443.
    func assertUntouchedByForward(_ network: ForwardedNetwork, _ context: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let paths: [(String, Namespace, String, String)] = [
            ("container egress to a remote :443", network.web, ForwardedNetwork.web, Address.clientUnlistedV4),
            ("container to container :443", network.web, ForwardedNetwork.web, ForwardedNetwork.other),
            ("routed client to a container :443", client, Address.clientUnlistedV4, ForwardedNetwork.other),
        ]
        for (name, ns, source, destination) in paths {
            let result = try ns.connect(from: source, to: destination, port: 443)
            XCTAssertEqual(result, .connected, "\(name) (\(source) -> \(destination):443) \(context)", file: file, line: line)
        }
    }
}
