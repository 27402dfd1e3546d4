import Foundation
import XCTest

/// Legacy xtables serialise every change through a flock on `/run/xtables.lock`; another
/// program (Docker, fail2ban) may hold it. cfsync waits at most `--lock-timeout`, then
/// exits 4 naming the lock, with the firewall as it was. The holder runs in the same
/// mount namespace as cfsync, with `/run` on a private tmpfs: the host's lock is never touched.
final class XtablesLockTests: IptablesNetfilterCase {
    /// A change of the rules waits for the lock.
    func testHeldLockExitsFourWithRulesUnchanged() throws {
        try serveGoodLists()
        XCTAssertEqual(try cfsyncIptables("legacy", "apply").status, 0)
        try writeList("ips-v4", ["104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"])
        try heldLock([])
    }

    /// A first apply with ipset makes sets, then chains that use them: the lock is
    /// taken before the sets, so no set is left behind. (A later change of set
    /// members alone needs no lock at all.)
    func testHeldLockExitsFourBeforeAnySetIsMade() throws {
        try serveGoodLists()
        try heldLock(["--ipset"])
        XCTAssertEqual(try ownSets(), [:])
    }

    func heldLock(_ extra: [String]) throws {
        let before = (v4: try save("legacy"), v6: try save("legacy", v6: true), sets: try ownSets())

        let binary = NetfilterSuite.cfsyncBinary.path
        let empty = work.appendingPathComponent("empty.toml")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        let script = """
            mount -t tmpfs cfsync-test-run /run || exit 97
            flock /run/xtables.lock sleep 12 &
            while [ ! -e /run/xtables.lock ]; do sleep 0.05; done
            sleep 0.3
            exec "$@"
            """
        let run = CFSyncRun(process: try origin.run(
            ["/bin/sh", "-c", script, "sh", "/usr/bin/env", "CFSYNC_IPTABLES_VARIANT=legacy", binary, "apply",
             "--backend", "iptables", "--state-dir", stateDir.path, "--config", empty.path, "--output", "json",
             "--source-v4", url("ips-v4"), "--source-v6", url("ips-v6"), "--lock-timeout", "2"] + extra,
            timeout: 60))
        XCTAssertEqual(run.status, 4, "\(run)")
        XCTAssertTrue((run.string("error") ?? "").contains("/run/xtables.lock"), "\(run)")
        XCTAssertLessThan(run.process.duration, 8, "waited past --lock-timeout: \(run)")
        XCTAssertEqual(try save("legacy"), before.v4)
        XCTAssertEqual(try save("legacy", v6: true), before.v6)
        XCTAssertEqual(try ownSets(), before.sets)
    }
}
