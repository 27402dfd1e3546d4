import Foundation
import XCTest

/// Compares `actual` with `Golden/<name>` beside the calling test file. With
/// RECORD_GOLDENS=1 (or when the file is missing) the file is written and the
/// test fails, so a recording never passes silently.
public func assertGolden(
    _ actual: String, named name: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    let dir = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Golden")
    let url = dir.appendingPathComponent(name)
    let record = ProcessInfo.processInfo.environment["RECORD_GOLDENS"] == "1"
    guard !record, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        XCTFail("recorded golden \(name); check it and run again without RECORD_GOLDENS", file: file, line: line)
        return
    }
    if expected != actual {
        XCTFail("\(name) differs from the golden file:\n\(lineDiff(expected: expected, actual: actual))", file: file, line: line)
    }
}

/// A minimal line diff: lines only in the golden (-) and only in the output (+).
public func lineDiff(expected: String, actual: String) -> String {
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var out: [String] = []
    for i in 0..<max(e.count, a.count) {
        let el = i < e.count ? String(e[i]) : nil
        let al = i < a.count ? String(a[i]) : nil
        if el != al {
            if let el { out.append("-\(i + 1): \(el)") }
            if let al { out.append("+\(i + 1): \(al)") }
        }
    }
    return out.joined(separator: "\n")
}
