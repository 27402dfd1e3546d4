import Foundation
import XCTest

/// The firewalld backend against a real firewalld (issue 17): packets, the admin's own
/// configuration, runtime and permanent configuration, `firewall-cmd --reload`.
final class FirewalldTests: FirewalldNetfilterCase {
    /// The harness itself, without cfsync: firewalld runs the admin's configuration in the
    /// origin namespace only, and leaves nothing behind when stopped.
    func testSandboxRunsTheAdminsFirewallInTheOriginNamespaceOnly() throws {
        XCTAssertTrue(try origin.nftHasTable("inet", "firewalld"))
        XCTAssertEqual(try firewalld.cmd("--get-default-zone"), "public\n")
        XCTAssertEqual(try firewalld.cmd("--zone=public", "--list-services"), "dhcpv6-client ssh\n")
        XCTAssertEqual(try firewalld.cmd("--zone=office", "--list-sources"), "203.0.113.0/24\n")
        XCTAssertEqual(Self.ordered(try firewalld.cmd("--list-all-zones")), Self.ordered(try firewalld.cmd("--permanent", "--list-all-zones")))
        XCTAssertTrue(try ownObjects(permanent: false).isEmpty)
        try assertConnects(from: Address.clientUnlistedV4, to: Address.originUnlistedV4, port: 22)
        try assertConnects(from: Address.clientUnlistedV6, to: Address.originUnlistedV6, port: 22)
        try assertNotConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443)
        try assertNotConnects(from: Address.clientListedV6, to: Address.originListedV6, port: 80)
        // The test's own namespace has no firewalld table, and the client's neither.
        XCTAssertFalse(try Subprocess.run([tools.nft, "list", "table", "inet", "firewalld"]).succeeded)
        XCTAssertFalse(try client.nftHasTable("inet", "firewalld"))

        firewalld.stop()
        XCTAssertEqual(try origin.nft("list", "tables").stdout, "")
        try assertConnects(from: Address.clientListedV4, to: Address.originListedV4, port: 443, "after firewalld stopped")
    }
}
