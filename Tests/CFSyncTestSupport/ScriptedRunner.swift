import CFSync
import XCTest

/// A CommandRunner that expects exactly the scripted commands, in order, with
/// exactly the given stdin, and answers each as scripted: the one test double of
/// the tools a backend runs, shared by every test that drives one.
public final class ScriptedRunner: CommandRunner {
    public struct Step {
        public var argv: [String]
        public var stdin: String?
        public var result: CommandResult

        public init(argv: [String], stdin: String?, result: CommandResult) {
            self.argv = argv
            self.stdin = stdin
            self.result = result
        }
    }

    public private(set) var steps: [Step]
    let file: StaticString
    let line: UInt

    public init(_ steps: [Step], file: StaticString = #filePath, line: UInt = #line) {
        self.steps = steps
        self.file = file
        self.line = line
    }

    public func run(_ argv: [String], stdin: String?) throws -> CommandResult {
        guard !steps.isEmpty else {
            XCTFail("unexpected command \(argv)", file: file, line: line)
            return CommandResult(status: 99)
        }
        let step = steps.removeFirst()
        XCTAssertEqual(argv, step.argv, file: file, line: line)
        XCTAssertEqual(stdin, step.stdin, "stdin of \(argv.joined(separator: " "))", file: file, line: line)
        return step.result
    }

    public func assertDone() { XCTAssertTrue(steps.isEmpty, "commands not run: \(steps.map(\.argv))", file: file, line: line) }
}
