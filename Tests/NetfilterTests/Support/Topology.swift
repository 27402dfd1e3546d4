import Foundation

/// A named network namespace this test created. Everything that touches rules
/// goes through `run`, i.e. `ip netns exec <name> …`.
struct Namespace {
    let name: String
    let tools: NetfilterSuite.Tools

    func run(_ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 60) throws -> ProcessResult {
        try Subprocess.run([tools.ip, "netns", "exec", name] + arguments, stdin: stdin, timeout: timeout)
    }

    /// Runs and throws (with the whole output) unless it exits 0.
    @discardableResult
    func check(_ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
        let result = try run(arguments, stdin: stdin)
        guard result.succeeded else { throw SubprocessError(description: "in netns \(name): \(result)") }
        return result
    }

    func background(_ arguments: [String]) throws -> BackgroundProcess {
        try BackgroundProcess([tools.ip, "netns", "exec", name] + arguments)
    }

    /// `nft <args>` in this namespace, required to succeed.
    @discardableResult
    func nft(_ arguments: String...) throws -> ProcessResult {
        try check([tools.nft] + arguments)
    }

    /// Loads an nft script (`nft -f -`) in this namespace.
    func nftScript(_ script: String) throws {
        try check([tools.nft, "-f", "-"], stdin: Data(script.utf8))
    }
}

/// Two namespaces joined by a veth pair:
///
///     origin  cfo ── cfc  client
///     104.16.0.1/24        104.16.0.10/24   (inside the listed 104.16.0.0/12)
///     192.0.2.1/24         192.0.2.10/24    (never listed)
///     2606:4700::1/64      2606:4700::10/64 (inside the listed 2606:4700::/32)
///     2001:db8::1/64       2001:db8::10/64  (never listed)
///
/// Traffic only flows between these two namespaces (and their loopbacks).
final class Topology {
    enum Address {
        static let originListedV4 = "104.16.0.1"
        static let originUnlistedV4 = "192.0.2.1"
        static let originListedV6 = "2606:4700::1"
        static let originUnlistedV6 = "2001:db8::1"
        static let clientListedV4 = "104.16.0.10"
        static let clientUnlistedV4 = "192.0.2.10"
        static let clientListedV6 = "2606:4700::10"
        static let clientUnlistedV6 = "2001:db8::10"
    }

    let origin: Namespace
    let client: Namespace
    private let tools: NetfilterSuite.Tools
    private var created: [String] = []

    private static var counter = 0

    init(tools: NetfilterSuite.Tools) throws {
        self.tools = tools
        Topology.counter += 1
        let base = "cfs-\(getpid())-\(Topology.counter)"
        origin = Namespace(name: base + "-origin", tools: tools)
        client = Namespace(name: base + "-client", tools: tools)
        do {
            try build()
        } catch {
            destroy()
            throw error
        }
    }

    private func build() throws {
        for ns in [origin, client] {
            let result = try Subprocess.run([tools.ip, "netns", "add", ns.name])
            guard result.succeeded else { throw SubprocessError(description: "ip netns add: \(result)") }
            created.append(ns.name)
            try ns.check([tools.ip, "link", "set", "lo", "up"])
        }
        // Created from inside origin with the peer placed straight into client:
        // the test's own namespace never sees either end.
        try origin.check([tools.ip, "link", "add", "cfo", "type", "veth", "peer", "name", "cfc", "netns", client.name])
        let plan: [(Namespace, String, [String])] = [
            (origin, "cfo", [Address.originListedV4 + "/24", Address.originUnlistedV4 + "/24",
                             Address.originListedV6 + "/64", Address.originUnlistedV6 + "/64"]),
            (client, "cfc", [Address.clientListedV4 + "/24", Address.clientUnlistedV4 + "/24",
                             Address.clientListedV6 + "/64", Address.clientUnlistedV6 + "/64"]),
        ]
        for (ns, device, addresses) in plan {
            for address in addresses {
                var args = [tools.ip, "addr", "add", address, "dev", device]
                if address.contains(":") { args.append("nodad") }
                try ns.check(args)
            }
            try ns.check([tools.ip, "link", "set", device, "up"])
        }
    }

    /// Deletes both namespaces (idempotent). Processes still inside die with their
    /// parent (the fixtures watch it); the namespace goes when its last user does.
    func destroy() {
        for name in created.reversed() {
            _ = try? Subprocess.run([tools.ip, "netns", "del", name], timeout: 10)
        }
        created.removeAll()
    }

    deinit { destroy() }
}
