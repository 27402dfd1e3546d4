import CFSyncCore
#if canImport(Glibc)
import Glibc
#endif

/// ufw: rules commented `cfsync…` in ufw's own rules files (user.rules,
/// user6.rules), so `ufw status` shows them and ufw keeps them across reboots.
///
/// One run edits both files and loads each with `iptables-restore -n` /
/// `ip6tables-restore -n`, which replaces ufw's user chains in one atomic
/// commit per family. That is what ufw itself does after a rule change; a
/// `ufw reload` (full stop and start of every ufw chain) is never needed, so
/// there is no moment in which the protected ports are open or closed.
///
/// Every read and every change of the files holds ufw's own lock (`UfwLock`), so the
/// change of a ufw command holding it is never lost. (ufw 0.36 reads its files before it
/// locks: one that starts during cfsync's change can still write back what it read.)
public struct UfwBackend: Backend {
    public var kind: BackendKind { .ufw }
    public var objects: String { "ufw rules commented \(UfwLayout.tag)* in \(paths.root)" }

    let paths: UfwPaths
    let runner: CommandRunner
    let config: UfwConfig
    /// How long to wait for ufw's lock (`--lock-timeout`).
    let lockTimeout: Double

    /// Refuses when ufw is inactive: enabling a firewall remotely can lock the operator out.
    public init(paths: UfwPaths = UfwPaths(), runner: CommandRunner = SystemCommandRunner(),
                lockTimeout: Double = Settings().lockTimeout) throws {
        self.paths = paths
        self.runner = runner
        self.lockTimeout = lockTimeout
        config = try UfwConfig(paths: paths)
        guard config.enabled else {
            throw CFSyncError.failed("--backend ufw: ufw is installed but not active (ENABLED=no in \(paths.conf)); "
                + "cfsync never enables a firewall (that can lock you out): run 'ufw enable' yourself or use --backend nftables")
        }
    }

    /// The families ufw filters here: IPv6 only with IPV6=yes in /etc/default/ufw.
    public var families: [Family] { config.ipv6 ? [.ipv4, .ipv6] : [.ipv4] }

    public var unavailableFamilies: [Family: String] {
        config.ipv6 ? [:] : [.ipv6: "ufw has IPV6=no in \(paths.defaults): managing IPv4 only; ufw does not filter IPv6 here"]
    }

    /// ufw's route rules see a forwarded connection's port after DNAT, and Docker's own
    /// accepts come before them: through ufw, cfsync has no exact forward path. And ufw
    /// keeps one rule per prefix in its own files: it has no ipset sets.
    public func unenforceable(_ policy: Policy) -> String? {
        if policy.forward {
            return "--forward: the ufw backend cannot protect ports published to containers (ufw's route rules see the port after DNAT, "
                + "and Docker's accepts come before them); use --backend nftables or iptables"
        }
        if policy.ipset {
            return "--ipset: the ufw backend keeps one ufw rule per prefix in ufw's own files and has no ipset sets; "
                + "--ipset is for --backend iptables"
        }
        return nil
    }

    // MARK: reading

    /// `body` holding ufw's lock: ufw rewrites its files in place, so reads need it too.
    func locked<T>(_ body: () throws -> T) throws -> T {
        try UfwLock.holding(paths.lock, timeout: lockTimeout, body)
    }

    func readFiles() throws -> [Family: UfwRulesFile] {
        var files: [Family: UfwRulesFile] = [:]
        for family in families {
            let path = paths.rules(family)
            let bytes: [UInt8]?
            do {
                bytes = try POSIXFile.readAll(path)
            } catch {
                throw CFSyncError.failed("\(path): cannot read (\(error.text))")
            }
            guard let bytes else { throw CFSyncError.failed("\(path): missing; is ufw installed?") }
            do {
                files[family] = try UfwRulesFile(parsing: String(decoding: bytes, as: UTF8.self), name: path)
            } catch {
                throw CFSyncError.failed(error.description)
            }
        }
        return files
    }

    /// ufw's files and the chains the kernel loaded from them, under ufw's lock; the snapshot
    /// is cfsync's entries of these files, and the files are the observation's record (the
    /// plan's warnings read them there).
    public func observe(_ policy: Policy) throws -> Observation {
        try locked {
            let files = try readFiles()
            var drift: [String] = []
            for (family, file) in files.sorted(by: { $0.key < $1.key }) {
                if let difference = try kernelDifference(family, file) { drift.append(difference) }
            }
            return Observation(installed: UfwInstalled.state(policy: policy, files: files, extraDifferences: drift),
                               dump: { dump(files) }, record: files)
        }
    }

    /// The kernel is the truth: ufw's chain must hold the rules the file says, rule by
    /// rule (cfsync's among them), or the file was edited without being loaded.
    func kernelDifference(_ family: Family, _ file: UfwRulesFile) throws -> String? {
        let chain = UfwLayout.inputChain(family)
        // `-w` alone would wait for the xtables lock forever on a legacy host.
        let wait = String(max(1, Int(lockTimeout.rounded(.up))))
        let result = try runner.run([Self.tool(family), "-w", wait, "-S", chain])
        guard result.status == 0 else { return "chain \(chain) is not loaded (is ufw running?)" }
        let rules = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("-A \(chain) ") }.map(String.init) }
        return UfwLoadedRules.difference(chain: chain, file: rules(file.text), kernel: rules(result.stdout),
                                         fileName: UfwLayout.rulesFile(family))
    }

    // MARK: diagnosing

    /// Earlier broader allows that let other sources reach the protected ports, in the files
    /// `observed` read.
    public func warnings(for plan: SyncPlan, over observed: Observation) -> [String] {
        guard let files = observed.record as? [Family: UfwRulesFile] else { return [] }
        return UfwShadowing.findings(files: files, policy: plan.policy, allowlist: plan.desired)
    }

    /// For `doctor`: ufw's IPv6 setting, whether the kernel loaded ufw's files,
    /// and rules that make the installed allowlist moot.
    public func diagnose(_ policy: Policy) -> [Finding] {
        let files: [Family: UfwRulesFile]
        do {
            files = try locked { try readFiles() }
        } catch {
            return [Finding("ufw rules", .error, CFSyncError.classify(error).message)]
        }
        var findings = [config.ipv6 ? Finding("ufw IPv6", .ok, "IPV6=yes in \(paths.defaults)")
                                    : Finding("ufw IPv6", .warning, "IPV6=no in \(paths.defaults): cfsync manages IPv4 only")]
        for (family, file) in files.sorted(by: { $0.key < $1.key }) {
            let chain = UfwLayout.inputChain(family)
            do {
                findings.append(try kernelDifference(family, file).map { Finding("ufw kernel", .warning, $0) }
                    ?? Finding("ufw kernel", .ok, "chain \(chain) matches \(UfwLayout.rulesFile(family))"))
            } catch {
                findings.append(Finding("ufw kernel", .error, "cannot read chain \(chain): \(CFSyncError.classify(error).message)"))
            }
        }
        let installed = UfwInstalled.state(policy: policy, files: files).lists
        let moot = UfwShadowing.findings(files: files, policy: policy, allowlist: installed)
        findings += moot.isEmpty ? [Finding("ufw moot rules", .ok, "no other ufw rule accepts other sources on the protected ports first")]
                                 : moot.map { Finding("ufw moot rules", .warning, $0) }
        return findings
    }

    // MARK: changing

    public func script(for plan: SyncPlan) -> String {
        UfwRenderer.script(for: plan, families: families)
    }

    /// Reads, edits, writes and loads under ufw's lock, so the edit starts from the files
    /// as the last ufw command left them (not from `observed`: a ufw command may have
    /// rewritten them since, and the lock is released in between; the files are small).
    public func apply(_ plan: SyncPlan, over observed: Observation) throws -> Applied {
        try locked {
            let files = try readFiles()
            var changes: [(Family, String)] = []
            for family in families {
                guard let file = files[family] else { continue }
                let edited = UfwRenderer.edit(file, plan, family).text
                if edited != file.text || plan.structure != .none { changes.append((family, edited)) }
            }
            try commit(changes)
        }
        return .unproven
    }

    /// cfsync's own entries, per file, exactly as written; "" when there are none.
    public func snapshot() throws -> String {
        dump(try locked { try readFiles() })
    }

    private func dump(_ files: [Family: UfwRulesFile]) -> String {
        var dump = ""
        for family in families {
            guard let own = files[family]?.own, !own.isEmpty else { continue }
            dump += "# \(UfwLayout.rulesFile(family))\n" + own.flatMap(\.lines).map { $0 + "\n" }.joined()
        }
        return dump
    }

    public func restore(_ dump: String) throws {
        let wanted = try UfwSnapshot.parse(dump)
        try locked {
            let files = try readFiles()
            let changes = families.compactMap { family in
                files[family].map { (family, $0.replacingOwn(with: wanted[family] ?? []).text) }
            }
            try commit(changes)
        }
    }

    /// Checks every new file with `--test`, writes them atomically, then loads
    /// each in one atomic commit. A failure before the writes changes nothing;
    /// one after them is undone by the caller's snapshot restore.
    func commit(_ changes: [(Family, String)]) throws {
        for (family, text) in changes {
            try runner.check([Self.tool(family) + "-restore", "--test", "-n"], stdin: text)
        }
        for (family, text) in changes {
            try write(paths.rules(family), text)
        }
        for (family, text) in changes {
            try runner.check([Self.tool(family) + "-restore", "-n"], stdin: text)
        }
    }

    /// Keeps the file's mode (ufw uses 0640).
    private func write(_ path: String, _ text: String) throws {
        var info = stat()
        let mode: mode_t = stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0o640
        do {
            try POSIXFile.writeAtomically(path, Array(text.utf8), mode: mode)
        } catch {
            throw CFSyncError.failed("\(path): cannot write (\(error.text))")
        }
    }

    static func tool(_ family: Family) -> String {
        family == .ipv4 ? "iptables" : "ip6tables"
    }
}
