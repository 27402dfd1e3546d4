import CFSyncCore
import Foundation
import Logging

/// Where the desired prefixes come from: fetched lists (or, offline, the last
/// accepted ones), passed through every guard, plus the `--allow` entries.
struct ListResolver {
    /// One configured source and how its body is read.
    struct Source: Equatable {
        enum Format: Equatable {
            case plain(Family)
            case cloudflareAPI
        }

        var url: String
        var format: Format
    }

    /// Lists that passed every guard, ready to plan against and, after a
    /// successful apply, to keep as the last accepted lists.
    struct Accepted {
        var lists: AddressLists
        var bodies: [CachedList]
        var sources: [Report.Source]
    }

    let settings: Settings
    let cache: ListCache
    let log: Logger

    var sources: [Source] {
        if let api = settings.sourceAPI { return [Source(url: api, format: .cloudflareAPI)] }
        return settings.families.map { family in
            Source(url: family == .ipv4 ? settings.sourceV4 : settings.sourceV6, format: .plain(family))
        }
    }

    /// Reads the lists from the state dir only, as `--offline` and `status` do.
    func lastAccepted() throws -> Accepted {
        let cached = try cachedBodies()
        var bodies: [CachedList] = []
        for source in sources {
            guard let body = cached[source.url] else {
                throw CFSyncError.failed(
                    "no accepted list for \(source.url) in \(settings.stateDir); run cfsync apply without --offline first")
            }
            bodies.append(body)
        }
        return try accept(bodies, fromCache: Set(bodies.map(\.url)), previous: [:])
    }

    /// Fetches every source (conditionally, with the cached ETag) and accepts
    /// the result only if every guard passes.
    func fetch(now: Date = Date()) throws -> Accepted {
        if settings.offline { return try lastAccepted() }
        let cached = try cachedBodies()
        let requests = sources.map { FetchRequest(url: $0.url, ifNoneMatch: cached[$0.url]?.etag) }
        let results = try Fetcher(timeout: settings.timeout, maxBytes: settings.maxListSize).fetch(requests)
        var bodies: [CachedList] = []
        var fromCache: Set<String> = []
        for result in results {
            if result.notModified, let body = cached[result.url] {
                log.info("\(result.url): not modified (ETag), using the last accepted copy")
                bodies.append(body)
                fromCache.insert(result.url)
            } else if result.notModified {
                throw CFSyncError.failed("fetch \(result.url): HTTP 304 for a list that is not in the state dir")
            } else {
                log.info("\(result.url): fetched \(result.body.count) bytes, sha256 \(result.sha256.prefix(12))")
                bodies.append(CachedList(url: result.url, sha256: result.sha256, etag: result.etag, fetchedAt: now, body: result.body))
            }
        }
        return try accept(bodies, fromCache: fromCache, previous: settings.force ? [:] : cached)
    }

    private func cachedBodies() throws -> [String: CachedList] {
        Dictionary(try cache.load().map { ($0.url, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Parses and guards every body; the shrink guard compares each list with
    /// the previously accepted body of the same source.
    private func accept(_ bodies: [CachedList], fromCache: Set<String>, previous: [String: CachedList]) throws -> Accepted {
        var lists = AddressLists()
        for (source, body) in zip(sources, bodies) {
            let parsed = try parse(body.body, source)
            if let old = previous[source.url], old.sha256 != body.sha256 {
                let before = try parse(old.body, source)
                try ListGuards.checkShrink(previous: before.ipv4, next: parsed.ipv4, maxShrinkPercent: settings.maxShrinkPercent, source: source.url)
                try ListGuards.checkShrink(previous: before.ipv6, next: parsed.ipv6, maxShrinkPercent: settings.maxShrinkPercent, source: source.url)
            }
            lists.ipv4 += parsed.ipv4
            lists.ipv6 += parsed.ipv6
        }
        for entry in settings.allow {
            switch entry {
            case .ipv4(let p): lists.ipv4.append(p)
            case .ipv6(let p): lists.ipv6.append(p)
            }
        }
        return Accepted(
            lists: lists.aggregated(keeping: settings.families),
            bodies: bodies,
            sources: bodies.map {
                Report.Source(url: $0.url, sha256: $0.sha256, etag: $0.etag, fromCache: fromCache.contains($0.url), fetchedAt: $0.fetchedAt)
            }
        )
    }

    private func parse(_ body: [UInt8], _ source: Source) throws -> AddressLists {
        switch source.format {
        case .plain(.ipv4):
            return AddressLists(ipv4: try ListParser.parse(body, as: IPv4Prefix.self, source: source.url))
        case .plain(.ipv6):
            return AddressLists(ipv6: try ListParser.parse(body, as: IPv6Prefix.self, source: source.url))
        case .cloudflareAPI:
            let api = try CloudflareAPIList.parse(body, source: source.url)
            for family in settings.families where (family == .ipv4 ? api.ipv4.isEmpty : api.ipv6.isEmpty) {
                throw CFSyncError.refused("\(source.url): no \(family == .ipv4 ? "IPv4" : "IPv6") prefixes in the API answer")
            }
            return AddressLists(ipv4: api.ipv4, ipv6: api.ipv6)
        }
    }
}
