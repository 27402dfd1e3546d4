import CFSyncCore
import CFSyncTestSupport
import XCTest

final class NftIntervalSetTests: XCTestCase {
    typealias Element = NftIntervalSet.Element

    /// The key of an IPv4 address, as the netlink reader hands it over.
    func key4(_ address: String) -> UInt128 {
        UInt128(v4(address + "/32")[0].address)
    }

    func key6(_ address: String) -> UInt128 {
        v6(address + "/128")[0].address
    }

    func start(_ address: String) -> Element { Element(key: key4(address), isIntervalEnd: false) }
    func end(_ address: String) -> Element { Element(key: key4(address), isIntervalEnd: true) }
    func start6(_ address: String) -> Element { Element(key: key6(address), isIntervalEnd: false) }
    func end6(_ address: String) -> Element { Element(key: key6(address), isIntervalEnd: true) }
    /// The end element nft adds at key 0, which closes nothing.
    let zeroEnd = Element(key: 0, isIntervalEnd: true)

    // MARK: IPv4

    func testPrefixesInKernelOrderDecodeToSortedPrefixes() {
        let elements = [
            end("192.169.0.0"), start("192.168.0.0"),
            end("10.0.1.0"), start("10.0.0.0"),
            end("1.2.3.5"), start("1.2.3.4"),
            zeroEnd,
        ]
        XCTAssertEqual(
            NftIntervalSet.decode(elements, as: IPv4Prefix.self),
            v4("1.2.3.4/32", "10.0.0.0/24", "192.168.0.0/16")
        )
        // Any order of the same elements reads the same.
        XCTAssertEqual(
            NftIntervalSet.decode(elements.reversed(), as: IPv4Prefix.self),
            v4("1.2.3.4/32", "10.0.0.0/24", "192.168.0.0/16")
        )
    }

    func testEmptyAndZeroEndOnlyAreEmpty() {
        XCTAssertEqual(NftIntervalSet.decode([], as: IPv4Prefix.self), [])
        XCTAssertEqual(NftIntervalSet.decode([zeroEnd], as: IPv4Prefix.self), [])
    }

    func testAdjacentIntervalsSharingAKeyStaySeparate() {
        // 10.0.1.0/24 and 10.0.2.0/24: the end of the first is the start of the second.
        // The start is listed before the end at the shared key, the harder order.
        let elements = [end("10.0.3.0"), start("10.0.2.0"), end("10.0.2.0"), start("10.0.1.0"), zeroEnd]
        XCTAssertEqual(NftIntervalSet.decode(elements, as: IPv4Prefix.self), v4("10.0.1.0/24", "10.0.2.0/24"))
        let other = [zeroEnd, start("10.0.1.0"), end("10.0.2.0"), start("10.0.2.0"), end("10.0.3.0")]
        XCTAssertEqual(NftIntervalSet.decode(other, as: IPv4Prefix.self), v4("10.0.1.0/24", "10.0.2.0/24"))
    }

    func testSiblingIntervalsAreNotMerged() {
        // Two halves stored as two intervals come back as two prefixes, as the kernel holds them.
        let elements = [end("10.0.2.0"), start("10.0.1.0"), end("10.0.1.0"), start("10.0.0.0"), zeroEnd]
        XCTAssertEqual(NftIntervalSet.decode(elements, as: IPv4Prefix.self), v4("10.0.0.0/24", "10.0.1.0/24"))
    }

    func testIntervalThatIsNotOnePrefixSplitsIntoMinimalPrefixes() {
        // 10.0.0.0-10.0.2.255
        let elements = [end("10.0.3.0"), start("10.0.0.0"), zeroEnd]
        XCTAssertEqual(NftIntervalSet.decode(elements, as: IPv4Prefix.self), v4("10.0.0.0/23", "10.0.2.0/24"))
        // 10.0.0.1-10.0.0.6, misaligned at both ends
        let small = [end("10.0.0.7"), start("10.0.0.1"), zeroEnd]
        XCTAssertEqual(
            NftIntervalSet.decode(small, as: IPv4Prefix.self),
            v4("10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32")
        )
    }

    func testIntervalReachingTheTopHasNoEndElement() {
        XCTAssertEqual(
            NftIntervalSet.decode([start("255.255.255.0"), zeroEnd], as: IPv4Prefix.self),
            v4("255.255.255.0/24")
        )
        XCTAssertEqual(
            NftIntervalSet.decode([start("255.255.255.255"), end("10.0.1.0"), start("10.0.0.0"), zeroEnd], as: IPv4Prefix.self),
            v4("10.0.0.0/24", "255.255.255.255/32")
        )
        // Not one prefix: 255.255.254.128-255.255.255.255.
        XCTAssertEqual(
            NftIntervalSet.decode([start("255.255.254.128"), zeroEnd], as: IPv4Prefix.self),
            v4("255.255.254.128/25", "255.255.255.0/24")
        )
    }

    func testIntervalsAtTheBottomAndTheWholeSpace() {
        XCTAssertEqual(NftIntervalSet.decode([end("1.0.0.0"), start("0.0.0.0")], as: IPv4Prefix.self), v4("0.0.0.0/8"))
        XCTAssertEqual(
            NftIntervalSet.decode([end("1.0.0.0"), start("0.0.0.0"), zeroEnd], as: IPv4Prefix.self),
            v4("0.0.0.0/8")
        )
        XCTAssertEqual(NftIntervalSet.decode([start("0.0.0.0")], as: IPv4Prefix.self), v4("0.0.0.0/0"))
        XCTAssertEqual(NftIntervalSet.decode([start("0.0.0.0"), zeroEnd], as: IPv4Prefix.self), v4("0.0.0.0/0"))
    }

    // MARK: IPv6

    func testIPv6KeysUseAll128Bits() {
        let elements = [
            start6("ffff::"),
            end6("2606:4701::"), start6("2606:4700::"),
            end6("2400:cb01::"), start6("2400:cb00::"),
            end6("2001:db8::2"), start6("2001:db8::1"),
            Element(key: 0, isIntervalEnd: true),
        ]
        XCTAssertEqual(
            NftIntervalSet.decode(elements, as: IPv6Prefix.self),
            v6("2001:db8::1/128", "2400:cb00::/32", "2606:4700::/32", "ffff::/16")
        )
    }

    func testIPv6IntervalThatIsNotOnePrefix() {
        // 2001:db8::-2001:db8:2:ffff:ffff:ffff:ffff:ffff
        let elements = [end6("2001:db8:3::"), start6("2001:db8::"), Element(key: 0, isIntervalEnd: true)]
        XCTAssertEqual(
            NftIntervalSet.decode(elements, as: IPv6Prefix.self),
            v6("2001:db8::/47", "2001:db8:2::/48")
        )
        XCTAssertEqual(
            NftIntervalSet.decode([start6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")], as: IPv6Prefix.self),
            v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")
        )
    }

    func testIPv4KeysReadAsIPv6AreJustSmallAddresses() {
        // The family comes from the caller; a key below 2^32 is a valid IPv6 key too.
        XCTAssertEqual(
            NftIntervalSet.decode([end("10.0.1.0"), start("10.0.0.0")], as: IPv6Prefix.self),
            v6("::a00:0/120")
        )
    }

    // MARK: Invalid

    func testTwoStartsInARowAreInvalid() {
        XCTAssertNil(NftIntervalSet.decode([start("10.0.0.0"), start("10.0.1.0"), end("10.0.2.0")], as: IPv4Prefix.self))
        // Also when the second start is the last element (it would otherwise run to the top).
        XCTAssertNil(NftIntervalSet.decode([start("10.0.0.0"), start("10.0.1.0")], as: IPv4Prefix.self))
        XCTAssertNil(NftIntervalSet.decode([start6("2001:db8::"), start6("2001:db9::")], as: IPv6Prefix.self))
    }

    func testStrayEndAwayFromZeroIsInvalid() {
        XCTAssertNil(NftIntervalSet.decode([end("10.0.0.0")], as: IPv4Prefix.self))
        XCTAssertNil(NftIntervalSet.decode([end("10.0.0.0"), zeroEnd], as: IPv4Prefix.self))
        XCTAssertNil(NftIntervalSet.decode([start("10.0.0.0"), end("10.0.1.0"), end("10.0.2.0")], as: IPv4Prefix.self))
        XCTAssertNil(NftIntervalSet.decode([end6("2001:db8::")], as: IPv6Prefix.self))
    }

    func testKeyWiderThan32BitsIsInvalidForIPv4() {
        let wide = UInt128(1) << 32
        XCTAssertNil(NftIntervalSet.decode([Element(key: wide, isIntervalEnd: false)], as: IPv4Prefix.self))
        // An end past the top instead of no end element.
        XCTAssertNil(
            NftIntervalSet.decode([start("255.255.255.0"), Element(key: wide, isIntervalEnd: true)], as: IPv4Prefix.self)
        )
        XCTAssertNil(NftIntervalSet.decode([Element(key: UInt128.max, isIntervalEnd: false)], as: IPv4Prefix.self))
    }

    func testEndNotAfterStartIsInvalid() {
        // An empty interval: end key == start key.
        XCTAssertNil(NftIntervalSet.decode([start("10.0.0.5"), end("10.0.0.5")], as: IPv4Prefix.self))
        // End below start.
        XCTAssertNil(NftIntervalSet.decode([start("10.0.0.5"), end("10.0.0.1")], as: IPv4Prefix.self))
        XCTAssertNil(NftIntervalSet.decode([start6("2001:db8::5"), end6("2001:db8::5")], as: IPv6Prefix.self))
    }

    // MARK: Property

    /// 200 seeded aggregated lists, encoded as the kernel stores them and handed over in a
    /// scrambled order, decode back to exactly the list.
    /// What `apply` sends: a start per prefix and the address after it flagged, none at the top.
    func testEncodeWritesStartAndEndAfterEachPrefix() {
        XCTAssertEqual(NftIntervalSet.encode(v4("104.16.0.0/13", "104.24.0.0/14", "255.255.255.0/24")), [
            start("104.16.0.0"), end("104.24.0.0"), start("104.24.0.0"), end("104.28.0.0"), start("255.255.255.0"),
        ])
        XCTAssertEqual(NftIntervalSet.encode(v6("2606:4700::/32")), [start6("2606:4700::"), end6("2606:4701::")])
    }

    func testKernelEncodingOfAggregatedListsRoundTrips() {
        var adjacentPairs = 0
        var reachingTop = 0
        var atBottom = 0
        for seed in 0..<200 as Range<UInt64> {
            var rng = SplitMix64(seed: seed)
            let list = aggregate(randomPrefixes(using: &rng))
            for (a, b) in zip(list, list.dropFirst()) where a.last &+ 1 == b.first { adjacentPairs += 1 }
            if list.last?.last == UInt32.max { reachingTop += 1 }
            if list.first?.first == 0 { atBottom += 1 }

            var elements = NftIntervalSet.encode(list)
            if !list.isEmpty, Bool.random(using: &rng) { elements.append(zeroEnd) }
            if seed % 2 == 0 {
                // Kernel order: descending keys; ties in a random order.
                elements.shuffle(using: &rng)
                elements.sort { $0.key > $1.key }
            } else {
                elements.shuffle(using: &rng)
            }

            let decoded = NftIntervalSet.decode(elements, as: IPv4Prefix.self)
            XCTAssertEqual(decoded, list, "seed \(seed)")
        }
        // The generator does exercise the interesting shapes.
        XCTAssertGreaterThan(adjacentPairs, 50)
        XCTAssertGreaterThan(reachingTop, 5)
        XCTAssertGreaterThan(atBottom, 5)
    }

    /// Random prefixes, clustered so that aggregation leaves many adjacent prefixes, with some
    /// at the bottom and the top of the address space.
    func randomPrefixes(using rng: inout SplitMix64) -> [IPv4Prefix] {
        let count = Int.random(in: 0...40, using: &rng)
        let cluster = UInt32.random(in: 0...UInt32.max, using: &rng) & 0xFFF0_0000
        var result: [IPv4Prefix] = []
        for _ in 0..<count {
            let address: UInt32
            let length: Int
            switch Int.random(in: 0..<10, using: &rng) {
            case 0:
                // anywhere
                address = UInt32.random(in: 0...UInt32.max, using: &rng)
                length = Int.random(in: 1...32, using: &rng)
            case 1:
                // near the top
                address = UInt32.max - UInt32.random(in: 0...0xFFFF, using: &rng)
                length = Int.random(in: 16...32, using: &rng)
            case 2:
                // near the bottom
                address = UInt32.random(in: 0...0xFFFF, using: &rng)
                length = Int.random(in: 16...32, using: &rng)
            case 3, 4:
                // right after the previous prefix, so aggregation leaves the two adjacent
                // unless they happen to be siblings
                guard let previous = result.last, previous.last != UInt32.max else { continue }
                address = previous.last + 1
                length = Int.random(in: (32 - address.trailingZeroBitCount)...32, using: &rng)
            default:
                // inside one /12, so neighbours are common
                address = cluster | UInt32.random(in: 0...0xF_FFFF, using: &rng)
                length = Int.random(in: 18...28, using: &rng)
            }
            result.append(IPv4Prefix(containing: address, length: length))
        }
        if Int.random(in: 0..<100, using: &rng) == 0 { result.append(IPv4Prefix(containing: 0, length: 0)) }
        return result
    }
}
