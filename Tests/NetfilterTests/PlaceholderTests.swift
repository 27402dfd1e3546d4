import XCTest
final class NetfilterPlaceholderTests: XCTestCase { func testLinks() {} }
