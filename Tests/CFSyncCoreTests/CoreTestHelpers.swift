import XCTest
@testable import CFSyncCore

/// Prefix literals for the prefix/list tests; a bad literal is a bug in the test.
func ip4(_ text: String) -> IPv4Prefix {
    try! IPv4Prefix(parsing: text)
}

func ip6(_ text: String) -> IPv6Prefix {
    try! IPv6Prefix(parsing: text)
}

/// Cloudflare fixture files, found next to this source file.
enum CloudflareFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/cloudflare")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// The non-empty lines of a plain-text fixture.
    static func lines(_ name: String) throws -> [String] {
        String(decoding: try bytes(name), as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// Asserts that `body` throws an error whose description contains every fragment, and is one line.
func assertThrows<E: Error & CustomStringConvertible, T>(
    _ type: E.Type, containing fragments: String...,
    file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> T
) {
    do {
        let value = try body()
        XCTFail("expected \(E.self), got \(value)", file: file, line: line)
    } catch let error as E {
        let text = error.description
        for fragment in fragments where !text.contains(fragment) {
            XCTFail("'\(text)' does not contain '\(fragment)'", file: file, line: line)
        }
        XCTAssertFalse(text.contains("\n") || text.contains("\r"), "not one line: \(text)", file: file, line: line)
    } catch {
        XCTFail("expected \(E.self), got \(error)", file: file, line: line)
    }
}

/// Addresses covered by a list, as merged closed intervals; the reference model for properties.
func intervals<P: IPPrefix>(_ prefixes: [P]) -> [ClosedRange<P.Bits>] {
    var merged: [ClosedRange<P.Bits>] = []
    for prefix in prefixes.sorted(by: { $0.first < $1.first }) {
        if let top = merged.last, top.upperBound == P.Bits.max || prefix.first <= top.upperBound + 1 {
            merged[merged.count - 1] = top.lowerBound...max(top.upperBound, prefix.last)
        } else {
            merged.append(prefix.first...prefix.last)
        }
    }
    return merged
}
