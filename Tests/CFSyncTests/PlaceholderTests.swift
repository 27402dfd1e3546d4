import XCTest
@testable import CFSync
final class PlaceholderTests: XCTestCase { func testLinks() {} }
