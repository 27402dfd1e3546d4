import Foundation
import XCTest
@testable import CFSyncCore

/// `UTCTimestamp` writes exactly what Foundation's ISO 8601 style writes, and reads back
/// what either wrote.
final class UTCTimestampTests: XCTestCase {
    /// Seeded dates from 1970 to 2200 with sub-second parts, and calendar edges.
    var dates: [Date] {
        var random = SplitMix64(seed: 16)
        var dates = (0..<4000).map { _ in Date(timeIntervalSince1970: Double.random(in: 0..<7_258_118_400, using: &random)) }
        dates += (0..<1000).map { _ in Date(timeIntervalSince1970: Double(Int.random(in: 0..<7_258_118_400, using: &random))) }
        let edges = ["1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2000-02-29T12:00:00Z", "2000-03-01T00:00:00Z",
                     "2024-02-29T23:59:59Z", "2100-02-28T23:59:59Z", "2100-03-01T00:00:00Z", "2026-11-25T12:00:00Z"]
        dates += edges.compactMap { try? Date.ISO8601FormatStyle().parse($0) }
        XCTAssertEqual(dates.count, 5008)
        return dates
    }

    func testFormatMatchesFoundation() {
        let seconds = Date.ISO8601FormatStyle()
        let millis = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let compact = Date.ISO8601FormatStyle(dateSeparator: .omitted, timeSeparator: .omitted)
        for date in dates {
            XCTAssertEqual(UTCTimestamp.format(date), seconds.format(date), "\(date.timeIntervalSince1970)")
            XCTAssertEqual(UTCTimestamp.format(date, .milliseconds), millis.format(date), "\(date.timeIntervalSince1970)")
            XCTAssertEqual(UTCTimestamp.format(date, .compact), compact.format(date), "\(date.timeIntervalSince1970)")
        }
    }

    func testParseAgreesWithFoundation() throws {
        let seconds = Date.ISO8601FormatStyle()
        let millis = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for date in dates {
            for text in [seconds.format(date), millis.format(date)] {
                let ours = try XCTUnwrap(UTCTimestamp.parse(text), text)
                let theirs = try text.contains(".") ? millis.parse(text) : seconds.parse(text)
                XCTAssertEqual(ours.timeIntervalSince1970, theirs.timeIntervalSince1970, accuracy: 0.000_001, text)
                // Foundation's own parse and format do not round-trip every millisecond
                // (47.711 reads as 47.7109999…, written 47.710): the same as Foundation, then.
                if text.contains(".") {
                    XCTAssertEqual(UTCTimestamp.format(ours, .milliseconds), millis.format(theirs), text)
                } else {
                    XCTAssertEqual(UTCTimestamp.format(ours), text)
                }
            }
        }
        XCTAssertEqual(UTCTimestamp.parse("2026-11-25T13:30:00+01:30")?.timeIntervalSince1970,
                       UTCTimestamp.parse("2026-11-25T12:00:00Z")?.timeIntervalSince1970)
    }

    func testParseRefusesWhatIsNotAnRFC3339Time() {
        for text in ["", "2026-11-25", "2026-11-25T12:00:00", "2026-11-25 12:00:00Z", "2026-13-01T00:00:00Z",
                     "2026-02-29T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T12:00:00.Z", "2026-11-25T12:00:00Zjunk",
                     "20261125T120000Z", "2026-11-25T12:00:00+0100", "x026-11-25T12:00:00Z"] {
            XCTAssertNil(UTCTimestamp.parse(text), text)
        }
    }
}
