import CFSyncCore
import CFSyncTestSupport
import XCTest

final class SSHGuardTests: XCTestCase {
    let lists = AddressLists(ipv4: v4("104.16.0.0/12"), ipv6: v6("2606:4700::/32"))
    let lockdown = Policy(mode: .lockdown, ports: [22, 443], families: [.ipv4, .ipv6])

    func testRefusesWhenTheSessionsPortIsProtectedAndItsAddressIsNotListed() {
        let reason = SSHGuard.violation(sshConnection: "198.51.100.7 50000 203.0.113.1 22", policy: lockdown, desired: lists)
        XCTAssertEqual(reason, "this SSH session (198.51.100.7 to port 22) would be dropped by lockdown on port 22; add --allow 198.51.100.7 or use --force")
    }

    func testAllowsListedClientsOtherPortsAllowModeAndOtherFamilies() {
        XCTAssertNil(SSHGuard.violation(sshConnection: "104.16.1.2 50000 203.0.113.1 22", policy: lockdown, desired: lists))
        XCTAssertNil(SSHGuard.violation(sshConnection: "::ffff:104.16.1.2 50000 ::ffff:203.0.113.1 22", policy: lockdown, desired: lists))
        XCTAssertNil(SSHGuard.violation(sshConnection: "198.51.100.7 50000 203.0.113.1 2222", policy: lockdown, desired: lists))
        XCTAssertNil(SSHGuard.violation(sshConnection: "198.51.100.7 50000 203.0.113.1 22", policy: Policy(mode: .allow, ports: [22], families: [.ipv4]), desired: lists))
        XCTAssertNil(SSHGuard.violation(sshConnection: "2001:db8::7 50000 2001:db8::1 22", policy: Policy(mode: .lockdown, ports: [22], families: [.ipv4]), desired: lists))
        XCTAssertNil(SSHGuard.violation(sshConnection: nil, policy: lockdown, desired: lists))
        XCTAssertNotNil(SSHGuard.violation(sshConnection: "2001:db8::7 50000 2001:db8::1 22", policy: lockdown, desired: lists))
    }
}
