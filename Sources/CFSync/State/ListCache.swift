import Foundation

/// The last accepted lists. Bodies are content-addressed (lists/<sha256>.txt); one
/// manifest, lists/accepted.json, names the accepted set and is written LAST, so the
/// v4 and v6 lists become accepted together in one rename. Bodies the new manifest no
/// longer names are removed afterwards.
public struct ListCache: Sendable {
    public let dir: StateDirectory

    static let folder = "lists"
    static let manifest = "lists/accepted.json"
    static let manifestVersion = 1

    private struct Manifest: Codable {
        var version: Int
        var lists: [CachedList]
    }

    public init(dir: StateDirectory) {
        self.dir = dir
    }

    /// The accepted lists with their bodies ([] when nothing was accepted yet). Each body
    /// is checked against its sha256; a missing or altered body is an error, never
    /// silently an empty list.
    ///
    /// Fetch and guards read this before the lock is taken, so another run may replace the
    /// accepted set between our reading the manifest and a body. Bodies are written before
    /// the manifest and removed after it, so a body that is missing while the manifest has
    /// changed only means the manifest we read is no longer current: read the new one.
    public func load() throws -> [CachedList] {
        var manifest = try dir.read(Self.manifest)
        for _ in 0..<Self.rereads {
            guard let bytes = manifest else { return [] }
            switch try lists(named: bytes) {
            case .loaded(let lists):
                return lists
            case .missing(let file, let url):
                let now = try dir.read(Self.manifest)
                guard now != bytes else { throw dir.failure("\(file) is missing (the accepted list for \(url))") }
                manifest = now
            }
        }
        throw dir.failure("\(Self.manifest) kept changing while it was read (\(Self.rereads) times); try again")
    }

    /// How often `load` follows a manifest that another run replaced.
    static let rereads = 10

    private enum Reading {
        case loaded([CachedList])
        case missing(file: String, url: String)
    }

    private func lists(named bytes: [UInt8]) throws -> Reading {
        let manifest: Manifest
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            manifest = try decoder.decode(Manifest.self, from: Data(bytes))
        } catch {
            throw dir.failure("\(Self.manifest) is corrupt (not the JSON cfsync writes); remove it to start over")
        }
        guard manifest.version == Self.manifestVersion else {
            throw dir.failure("\(Self.manifest) has version \(manifest.version); this cfsync reads version \(Self.manifestVersion)")
        }
        var lists: [CachedList] = []
        for entry in manifest.lists {
            guard SHA256Hex.isValid(entry.sha256) else {
                throw dir.failure("\(Self.manifest) names an invalid sha256 \"\(entry.sha256)\" for \(entry.url)")
            }
            let file = Self.bodyFile(entry.sha256)
            guard let body = try dir.read(file) else { return .missing(file: file, url: entry.url) }
            let actual = SHA256Hex.of(body)
            guard actual == entry.sha256 else {
                throw dir.failure("\(file) is corrupt: its sha256 is \(actual) (the accepted list for \(entry.url))")
            }
            var list = entry
            list.body = body
            lists.append(list)
        }
        return .loaded(lists)
    }

    /// The accepted list for `url`, or nil.
    public func cached(url: String) throws -> CachedList? {
        try load().first { $0.url == url }
    }

    /// Replaces the whole accepted set: bodies first, then the manifest, then removes
    /// bodies nothing names any more. Refuses a list whose sha256 does not match its body.
    public func store(_ lists: [CachedList]) throws {
        var seen = Set<String>()
        for list in lists {
            guard seen.insert(list.url).inserted else {
                throw dir.failure("cannot accept two lists for \(list.url)")
            }
            let actual = SHA256Hex.of(list.body)
            guard actual == list.sha256 else {
                throw dir.failure("refusing to cache \(list.url): sha256 \(list.sha256) does not match its body (\(actual))")
            }
        }
        for list in lists {
            let file = Self.bodyFile(list.sha256)
            if let existing = try? dir.read(file), existing == list.body { continue }
            try dir.write(file, list.body)
        }

        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(Manifest(version: Self.manifestVersion, lists: lists))
        } catch {
            throw dir.failure("cannot encode \(Self.manifest): \(error)")
        }
        let manifest = Array(data) + [0x0a]
        // A no-op run accepts the same lists again: it writes nothing.
        if try dir.read(Self.manifest) == manifest { return }
        try dir.write(Self.manifest, manifest)

        let keep = Set(lists.map { Self.bodyFile($0.sha256) })
        for name in try dir.list(Self.folder) where Self.isBodyName(name) {
            let file = "\(Self.folder)/\(name)"
            if !keep.contains(file) { try dir.remove(file) }
        }
    }

    static func bodyFile(_ sha256: String) -> String {
        "\(folder)/\(sha256).txt"
    }

    private static func isBodyName(_ name: String) -> Bool {
        name.hasSuffix(".txt") && SHA256Hex.isValid(String(name.dropLast(4)))
    }
}
