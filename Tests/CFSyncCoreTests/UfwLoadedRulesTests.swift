import CFSyncCore
import XCTest

/// Does the kernel hold the rules ufw's file says? `iptables -S` spells rules its own way;
/// the pairs below are what ufw 0.36 wrote and what iptables-nft 1.8.9 printed back.
final class UfwLoadedRulesTests: XCTestCase {
    static let file = [
        "-A ufw-user-input -p tcp --dport 22 -j ACCEPT",
        "-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set",
        "-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j ufw-user-limit",
        "-A ufw-user-input -p tcp --dport 8080 -s 198.51.100.7 -j ACCEPT",
        "-A ufw-user-input -i lo -p udp --dport 9999 -j DROP",
        "-A ufw-user-input -p udp --dport 25 -j REJECT",
        "-A ufw-user-input -p tcp -m multiport --dports 80,443,1000:2000 -d 10.1.2.3 -s 10.0.0.0/8 -j ACCEPT",
        "-A ufw-user-input -i eth0 -p udp --dport 83 -s 192.0.2.0/24 --sport 1234 -j ACCEPT",
        "-A ufw-user-input -p tcp -m multiport --dports 80,443 -j ACCEPT -m comment --comment 'dapp_WWW%20Full'",
        "-A ufw-user-input -p tcp -m multiport --dports 80,443 -s 104.16.0.0/12 -j ACCEPT",
        "-A ufw-user-input -p tcp -m multiport --dports 80,443 -j DROP",
    ]
    static let kernel = [
        "-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT",
        "-A ufw-user-input -p tcp -m tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource",
        "-A ufw-user-input -p tcp -m tcp --dport 2222 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 --name DEFAULT --mask 255.255.255.255 --rsource -j ufw-user-limit",
        "-A ufw-user-input -s 198.51.100.7/32 -p tcp -m tcp --dport 8080 -j ACCEPT",
        "-A ufw-user-input -i lo -p udp -m udp --dport 9999 -j DROP",
        "-A ufw-user-input -p udp -m udp --dport 25 -j REJECT --reject-with icmp-port-unreachable",
        "-A ufw-user-input -s 10.0.0.0/8 -d 10.1.2.3/32 -p tcp -m multiport --dports 80,443,1000:2000 -j ACCEPT",
        "-A ufw-user-input -s 192.0.2.0/24 -i eth0 -p udp -m udp --sport 1234 --dport 83 -j ACCEPT",
        "-A ufw-user-input -p tcp -m multiport --dports 80,443 -m comment --comment dapp_WWW%20Full -j ACCEPT",
        "-A ufw-user-input -s 104.16.0.0/12 -p tcp -m multiport --dports 80,443 -j ACCEPT",
        "-A ufw-user-input -p tcp -m multiport --dports 80,443 -j DROP",
    ]

    func difference(_ file: [String], _ kernel: [String]) -> String? {
        UfwLoadedRules.difference(chain: "ufw-user-input", file: file, kernel: kernel, fileName: "user.rules")
    }

    func testTheKernelsSpellingOfTheSameRulesIsNoDifference() {
        XCTAssertNil(difference(Self.file, Self.kernel))
        XCTAssertNil(difference(Self.file, Self.file))
    }

    func testIPv6AddressesCompareByValue() {
        XCTAssertNil(difference(["-A ufw6-user-input -p tcp --dport 81 -s 2001:DB8::1/32 -j ACCEPT",
                                 "-A ufw6-user-input -p tcp -d 2001:db8:0::/64 --dport 82 -s 2001:db8::7 -j ACCEPT"],
                                ["-A ufw6-user-input -s 2001:db8::/32 -p tcp -m tcp --dport 81 -j ACCEPT",
                                 "-A ufw6-user-input -s 2001:db8::7/128 -d 2001:db8::/64 -p tcp -m tcp --dport 82 -j ACCEPT"]))
    }

    func testAnotherSourcePortOrTargetIsADifference() {
        for (index, changed) in [
            (9, "-A ufw-user-input -s 104.16.0.0/13 -p tcp -m multiport --dports 80,443 -j ACCEPT"),
            (9, "-A ufw-user-input -s 104.16.0.0/12 -p tcp -m multiport --dports 80,8443 -j ACCEPT"),
            (9, "-A ufw-user-input -s 104.16.0.0/12 -p tcp -m multiport --dports 80,443 -j DROP"),
            (10, "-A ufw-user-input -p tcp -m multiport --dports 80,443 -j ACCEPT"),
            (4, "-A ufw-user-input -p udp -m udp --dport 9999 -j DROP"),
            (8, "-A ufw-user-input -p tcp -m multiport --dports 80,443 -m comment --comment dapp_Other -j ACCEPT"),
        ] {
            var kernel = Self.kernel
            kernel[index] = changed
            XCTAssertEqual(difference(Self.file, kernel),
                           "chain ufw-user-input rule \(index + 1) is \(changed) but user.rules has \(Self.file[index]): edited without loading?")
        }
    }

    func testAMissingOrAnExtraRuleIsADifference() {
        XCTAssertEqual(difference(Self.file, Array(Self.kernel.dropLast())),
                       "chain ufw-user-input lacks rule 11 of user.rules (\(Self.file[10])): edited without loading?")
        XCTAssertEqual(difference(Array(Self.file.dropLast()), Self.kernel),
                       "chain ufw-user-input has rule 11 (\(Self.kernel[10])) that user.rules does not: loaded from elsewhere?")
    }
}
