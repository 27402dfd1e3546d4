import CFSyncCore
import CFSyncTestSupport
import Foundation
import XCTest
@testable import CFSync

/// `nftables-commit.txt`: its format (round trip, damage refused) and the trust decision.
final class NftCommitRecordTests: XCTestCase {
    static let place = NftCommitRecord.Place(bootID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", netnsCookie: 8193)
    static let record = NftCommitRecord(
        place: place, generation: 4242, families: [.ipv6, .ipv4],
        lists: AddressLists(ipv4: v4("104.16.0.0/13", "104.24.0.0/14", "173.245.48.0/20"), ipv6: v6("2606:4700::/32")))

    var base: URL!
    var file: NftCommitRecordFile!

    override func setUpWithError() throws {
        base = try ListServer.makeTempDir("commit-record")
        file = NftCommitRecordFile(dir: StateDirectory(path: base.path))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: base)
    }

    private var path: String { base.appendingPathComponent("nftables-commit.txt").path }

    func testRendersPlainTextThatParsesBackToTheSameRecord() throws {
        let bytes = Self.record.render(sha256: SHA256Hex.of)
        let text = String(decoding: bytes, as: UTF8.self)
        let sealed = """
            cfsync nftables-commit 1
            boot 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
            netns 8193
            generation 4242
            families ipv4 ipv6
            ipv4 3
            104.16.0.0/13
            104.24.0.0/14
            173.245.48.0/20
            ipv6 1
            2606:4700::/32

            """
        XCTAssertEqual(text, sealed + "sha256 \(SHA256Hex.of(Array(sealed.utf8)))\n")
        XCTAssertEqual(try NftCommitRecord(parsing: bytes, sha256: SHA256Hex.of), Self.record)
    }

    func testEmptySetsAndOneFamilyRoundTrip() throws {
        let record = NftCommitRecord(place: Self.place, generation: .max, families: [.ipv4], lists: AddressLists())
        XCTAssertEqual(try NftCommitRecord(parsing: record.render(sha256: SHA256Hex.of), sha256: SHA256Hex.of), record)
    }

    func testTheFileIsWrittenAtomicallyWithMode0600AndLoadsBack() throws {
        try file.save(Self.record)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(file.load(), Self.record)
        try file.remove()
        XCTAssertNil(file.load())
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertNoThrow(try file.remove(), "removing a missing record is no error")
    }

    /// A changed byte anywhere, even with a recomputed count, fails the checksum.
    func testAnyChangedByteIsRejectedByTheChecksum() throws {
        let bytes = Self.record.render(sha256: SHA256Hex.of)
        let text = String(decoding: bytes, as: UTF8.self)
        for (from, to) in [("generation 4242", "generation 4243"), ("173.245.48.0/20", "173.245.48.0/21"),
                           ("netns 8193", "netns 8194"), ("104.24.0.0/14\n", "")] {
            let edited = Array(text.replacingOccurrences(of: from, with: to).utf8)
            XCTAssertThrowsError(try NftCommitRecord(parsing: edited, sha256: SHA256Hex.of), from) { error in
                XCTAssertEqual("\(error)", "its checksum does not match its content", from)
            }
            try Data(edited).write(to: URL(fileURLWithPath: path))
            XCTAssertNil(file.load(), "a damaged record is no record: \(from)")
        }
    }

    /// Content that does not follow the format is refused even when its checksum is right.
    func testMalformedContentIsRejectedEvenWithAMatchingChecksum() {
        let cases = [
            "cfsync nftables-commit 2\nboot b\nnetns 1\ngeneration 1\nfamilies ipv4\nipv4 0\n",
            "cfsync nftables-commit 1\nboot b\nnetns x\ngeneration 1\nfamilies ipv4\nipv4 0\n",
            "cfsync nftables-commit 1\nboot b\nnetns 1\ngeneration 4294967296\nfamilies ipv4\nipv4 0\n",
            "cfsync nftables-commit 1\nboot b\nnetns 1\ngeneration 1\nfamilies ipv6 ipv4\nipv4 0\nipv6 0\n",
            "cfsync nftables-commit 1\nboot b\nnetns 1\ngeneration 1\nfamilies ipv4\nipv4 2\n10.0.0.0/8\n",
            "cfsync nftables-commit 1\nboot b\nnetns 1\ngeneration 1\nfamilies ipv4\nipv4 2\n10.1.0.0/16\n10.0.0.0/8\n",
            "cfsync nftables-commit 1\nboot b\nnetns 1\ngeneration 1\nfamilies ipv4\nipv4 2\n10.0.0.0/8\n10.1.0.0/16\n",
            "cfsync nftables-commit 1\nboot b\nnetns 1\ngeneration 1\nfamilies ipv4\nipv4 1\n10.0.0.1/8\n",
            "cfsync nftables-commit 1\nboot b\nnetns 1\ngeneration 1\nfamilies ipv4\nipv4 0\nextra\n",
        ]
        for sealed in cases {
            let bytes = Array(sealed.utf8) + Array("sha256 \(SHA256Hex.of(Array(sealed.utf8)))\n".utf8)
            XCTAssertThrowsError(try NftCommitRecord(parsing: bytes, sha256: SHA256Hex.of), sealed)
        }
        XCTAssertThrowsError(try NftCommitRecord(parsing: [], sha256: SHA256Hex.of))
        XCTAssertThrowsError(try NftCommitRecord(parsing: Array(Self.record.render(sha256: SHA256Hex.of).dropLast()), sha256: SHA256Hex.of))
    }

    // MARK: trust

    private func trust(_ record: NftCommitRecord?, place: NftCommitRecord.Place? = place, generation: UInt32 = 4242,
                       structureMatches: Bool = true, families: [Family] = [.ipv4, .ipv6]) -> NftCommitRecord.Trust {
        NftCommitRecord.trust(record, place: place, generation: generation, structureMatches: structureMatches, families: families)
    }

    func testTrustedOnlyWhenEveryFactMatches() {
        XCTAssertEqual(trust(Self.record), .trusted(Self.record.lists))
    }

    func testEveryMismatchDistrusts() {
        let otherBoot = NftCommitRecord.Place(bootID: "another-boot", netnsCookie: Self.place.netnsCookie)
        let otherNamespace = NftCommitRecord.Place(bootID: Self.place.bootID, netnsCookie: 8194)
        XCTAssertEqual(trust(nil), .distrusted(.noRecord))
        XCTAssertEqual(trust(Self.record, place: nil), .distrusted(.unknownPlace))
        XCTAssertEqual(trust(Self.record, place: otherBoot), .distrusted(.otherBoot))
        XCTAssertEqual(trust(Self.record, place: otherNamespace), .distrusted(.otherNamespace))
        XCTAssertEqual(trust(Self.record, generation: 4243), .distrusted(.generationMoved(recorded: 4242, now: 4243)))
        XCTAssertEqual(trust(Self.record, generation: 4241), .distrusted(.generationMoved(recorded: 4242, now: 4241)))
        XCTAssertEqual(trust(Self.record, structureMatches: false), .distrusted(.structureDiffers))
        XCTAssertEqual(trust(Self.record, families: [.ipv4]), .distrusted(.otherFamilies))
    }
}
