import CFSyncCore
import Foundation

/// `cfsync doctor`: checks the environment without changing anything. Every
/// check becomes a finding; any error makes the command exit 1.
extension Syncer {
    public struct Diagnosis {
        public var backend: String?
        public var findings: [Finding]
        public var exit: CFSyncExit { findings.contains { $0.status == .error } ? .error : .success }
    }

    public func doctor() -> Diagnosis {
        var findings = [BackendSelection.ufwIsEnabled(config: "/etc/ufw/ufw.conf")
            ? Finding("ufw", .ok, "active (ENABLED=yes in /etc/ufw/ufw.conf): auto picks ufw")
            : Finding("ufw", .ok, "not active: auto does not pick ufw, and cfsync never enables it")]
        var name: String?
        do {
            let backend: Backend
            if let injected {
                backend = injected
            } else {
                let choice = try BackendSelection.choose(settings.backend, lockTimeout: settings.lockTimeout)
                backend = choice.backend
                findings.append(Finding("backend", .ok, "\(backend.kind.rawValue) (\(choice.reason))"))
            }
            name = backend.kind.rawValue
            for (family, reason) in backend.unavailableFamilies where settings.families.contains(family) {
                findings.append(Finding("backend", .warning, "\(family.rawValue) not managed: \(reason)"))
            }
            findings += backend.diagnose(try policy(for: backend))
        } catch {
            findings.append(Finding("backend", .error, CFSyncError.classify(error).message))
        }
        findings += stateDirFindings()
        findings += Self.bootUnitFindings(SystemctlProbe(runner: SystemCommandRunner()))
        findings.append(listFinding())
        return Diagnosis(backend: name, findings: findings)
    }

    /// The state dir holds snapshots of the firewall: root's alone.
    private func stateDirFindings() -> [Finding] {
        var info = stat()
        guard stat(settings.stateDir, &info) == 0 else {
            return [Finding("state dir", .ok, "\(settings.stateDir) does not exist yet; the first apply creates it (0700)")]
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            return [Finding("state dir", .error, "\(settings.stateDir) is not a directory")]
        }
        var findings: [Finding] = []
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            findings.append(Finding("state dir", .warning, "\(settings.stateDir) has mode \(String(mode, radix: 8)); expected 0700 (chmod 700)"))
        }
        if info.st_uid != geteuid() {
            findings.append(Finding("state dir", .warning, "\(settings.stateDir) is owned by uid \(info.st_uid), not by this user (\(geteuid()))"))
        }
        if access(settings.stateDir, W_OK) != 0 {
            findings.append(Finding("state dir", .error, "\(settings.stateDir) is not writable"))
        }
        return findings.isEmpty ? [Finding("state dir", .ok, "\(settings.stateDir) (0700)")] : findings
    }

    /// Fetches and guards the lists as `plan` would (or, with --offline, reads the last accepted ones).
    private func listFinding() -> Finding {
        do {
            let accepted = settings.offline ? try resolver.lastAccepted() : try resolver.fetch()
            let what = settings.offline ? "last accepted lists" : "lists reachable and valid"
            return Finding("lists", .ok, "\(what): \(accepted.lists.ipv4.count) IPv4 and \(accepted.lists.ipv6.count) IPv6 prefixes after aggregation")
        } catch {
            let failure = CFSyncError.classify(error)
            return Finding("lists", .error, failure.message)
        }
    }
}
