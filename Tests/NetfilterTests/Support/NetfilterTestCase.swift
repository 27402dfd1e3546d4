import Foundation
import XCTest

/// Base of every netfilter test: a fresh origin/client topology, the origin's TCP services
/// (80, 443, 22), a list server inside the origin namespace, and a private state dir.
/// Everything is torn down after each test.
class NetfilterTestCase: XCTestCase {
    typealias Address = Topology.Address

    /// Lists every scenario starts from (they pass all guards).
    static let goodV4 = ["104.16.0.0/12", "173.245.48.0/20"]
    static let goodV6 = ["2606:4700::/32"]

    var tools: NetfilterSuite.Tools!
    var topology: Topology!
    var origin: Namespace { topology.origin }
    var client: Namespace { topology.client }
    var work: URL!
    var listsDir: URL { work.appendingPathComponent("lists") }
    var stateDir: URL { work.appendingPathComponent("state") }
    private var tcpServer: BackgroundProcess?
    private var listServer: BackgroundProcess?
    private(set) var listPort = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        tools = try NetfilterSuite.prerequisites()
        work = FileManager.default.temporaryDirectory.appendingPathComponent("cfsync-nf-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: listsDir, withIntermediateDirectories: true)
        topology = try Topology(tools: tools)
        let tcp = try origin.background([tools.python, NetfilterSuite.tcpServerScript, "--ports", "80,443,22"])
        tcpServer = tcp
        _ = try tcp.waitForLine(startingWith: "ready")
        let lists = try origin.background(
            [tools.python, NetfilterSuite.listServerScript, "--root", listsDir.path, "--bind", "127.0.0.1", "--port", "0"])
        listServer = lists
        let line = try lists.waitForLine(startingWith: "listening ")
        guard let port = Int(line.dropFirst("listening ".count)) else {
            throw SubprocessError(description: "list server printed \(line)")
        }
        listPort = port
    }

    override func tearDown() {
        listServer?.terminate()
        tcpServer?.terminate()
        listServer = nil
        tcpServer = nil
        topology?.destroy()
        topology = nil
        if let work { try? FileManager.default.removeItem(at: work) }
        super.tearDown()
    }

    // MARK: lists

    /// Writes a list the way Cloudflare serves it (one prefix a line, no trailing newline).
    func writeList(_ name: String, _ lines: [String]) throws {
        try writeFile(name, lines.joined(separator: "\n"))
    }

    func writeFile(_ name: String, _ body: String) throws {
        try Data(body.utf8).write(to: listsDir.appendingPathComponent(name), options: .atomic)
    }

    /// The list server's URL for a path (a file name or a special path like "status/404").
    func url(_ path: String) -> String { "http://127.0.0.1:\(listPort)/\(path)" }

    func serveGoodLists() throws {
        try writeList("ips-v4", Self.goodV4)
        try writeList("ips-v6", Self.goodV6)
    }

    // MARK: cfsync

    /// Runs `cfsync <command> --backend nftables --state-dir … --source-v4 … --source-v6 … <extra>`
    /// inside the origin namespace; `environment` adds variables (e.g. a failpoint).
    func cfsync(
        _ command: String,
        _ extra: [String] = [],
        v4: String? = nil,
        v6: String? = nil,
        json: Bool = false,
        environment: [String: String] = [:],
        timeout: TimeInterval = 120
    ) throws -> CFSyncRun {
        let args = try cfsyncArguments(command, extra, v4: v4, v6: v6, json: json, environment: environment)
        return CFSyncRun(process: try origin.run(args, timeout: timeout))
    }

    /// The same run, started in the background (to race or kill it).
    func cfsyncInBackground(_ command: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> BackgroundProcess {
        try origin.background(try cfsyncArguments(command, extra, v4: nil, v6: nil, json: true, environment: environment))
    }

    /// The command line of a cfsync run with `backend`, the test's state dir and list server,
    /// and never the host's configuration.
    func cfsyncArguments(
        _ command: String, _ extra: [String], backend: String = "nftables", v4: String? = nil, v6: String? = nil,
        json: Bool = false, environment: [String: String] = [:]
    ) throws -> [String] {
        let binary = NetfilterSuite.cfsyncBinary.path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SubprocessError(description: "the cfsync binary is not at \(binary) (build it, or set CFSYNC_BINARY)")
        }
        var args = environment.isEmpty ? [] : ["/usr/bin/env"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        args += [binary, command, "--backend", backend,
                 "--state-dir", stateDir.path,
                 "--source-v4", v4 ?? url("ips-v4"), "--source-v6", v6 ?? url("ips-v6")]
        // Keep the host's configuration (/etc/cfsync/config.toml) out of the tests.
        let empty = work.appendingPathComponent("empty.toml")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        args += ["--config", empty.path]
        if json { args += ["--output", "json"] }
        return args + extra
    }

    /// A first apply of the good lists that must succeed; returns it.
    @discardableResult
    func applyGoodLists(_ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> CFSyncRun {
        try serveGoodLists()
        let run = try cfsync("apply", extra, json: true)
        XCTAssertEqual(run.status, 0, "first apply of the good lists failed: \(run)", file: file, line: line)
        if run.status != 0 { throw SubprocessError(description: "cannot continue without a first good apply") }
        return run
    }

    // MARK: firewall and traffic

    /// The unrelated table scenario 1 starts with (another tool's rules that cfsync must not touch).
    static let unrelatedTable = """
        table inet filter {
        \tchain input {
        \t\ttype filter hook input priority 0; policy accept;
        \t\tcounter
        \t}
        }

        """

    func installUnrelatedTable() throws {
        try origin.nftScript(Self.unrelatedTable)
    }

    func connect(from source: String, to destination: String, port: Int) throws -> ConnectResult {
        try client.connect(from: source, to: destination, port: port)
    }

    func assertConnects(from source: String, to destination: String, port: Int, _ context: String = "",
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try connect(from: source, to: destination, port: port)
        XCTAssertEqual(result, .connected, "\(source) -> [\(destination)]:\(port) \(context)", file: file, line: line)
    }

    func assertDropped(from source: String, to destination: String, port: Int, _ context: String = "",
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try connect(from: source, to: destination, port: port)
        XCTAssertEqual(result, .timeout, "\(source) -> [\(destination)]:\(port) should be dropped \(context)",
                       file: file, line: line)
    }

    // MARK: state dir

    /// Every regular file under the state dir (relative path -> contents), to prove a run left it alone.
    func stateFiles() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let root = stateDir.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
        for case let relative as String in walker {
            let path = root + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }
}
