import CFSyncCore

/// Terse prefix literals for tests; a bad literal is a bug in the test.
public func v4(_ texts: String...) -> [IPv4Prefix] {
    texts.map { try! IPv4Prefix(parsing: $0) }
}

public func v6(_ texts: String...) -> [IPv6Prefix] {
    texts.map { try! IPv6Prefix(parsing: $0) }
}
