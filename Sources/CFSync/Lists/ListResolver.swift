import CFSyncCore
import Foundation
import Logging

/// Where the desired prefixes come from: fetched lists (or, offline, the last
/// accepted ones), passed through every guard, plus the `--allow` entries.
struct ListResolver {
    /// One configured source: where it is, how its body is read and which families it
    /// serves (one for a plain list, every managed one for Cloudflare's JSON API).
    struct Source: Equatable {
        var url: String
        var format: ListFormat
        var families: [Family]
    }

    /// Lists that passed every guard, ready to plan against and, after a
    /// successful apply, to keep as the last accepted lists.
    struct Accepted {
        /// The prefixes of the accepted lists and the allowed entries, aggregated.
        var lists: AddressLists
        /// The lists this run accepted, one per family it manages.
        var managed: [CachedList]
        /// What to keep as the last accepted lists after a successful apply: `managed`,
        /// plus the last accepted list of every family this run does not manage.
        var bodies: [CachedList]
        var sources: [Report.Source]
    }

    let settings: Settings
    let cache: ListCache
    let log: Logger

    var sources: [Source] {
        if let api = settings.sourceAPI { return [Source(url: api, format: .cloudflareAPI, families: settings.families)] }
        return settings.families.map { family in
            Source(url: family == .ipv4 ? settings.sourceV4 : settings.sourceV6, format: .plain, families: [family])
        }
    }

    /// The state dir holds no accepted list at all (a host that never fetched): `apply
    /// --offline` changes nothing and says so; elsewhere it is an error (exit 1).
    struct NothingAccepted: Error, CustomStringConvertible {
        var stateDir: String
        var description: String { "no list was ever accepted in \(stateDir); run cfsync apply without --offline first" }
    }

    /// Reads the last accepted list of each managed family from the state dir, whatever
    /// source it came from, as `--offline` and `status` do; the report names that source.
    func lastAccepted() throws -> Accepted {
        let cached = try cache.load()
        guard !cached.isEmpty else { throw NothingAccepted(stateDir: settings.stateDir) }
        var lists: [CachedList] = []
        for family in settings.families {
            guard let list = cached.first(where: { $0.family == family }) else {
                throw CFSyncError.failed(
                    "no accepted \(family.name) list in \(settings.stateDir); run cfsync apply without --offline first")
            }
            lists.append(list)
        }
        return try accept(lists, fromCache: Set(settings.families), previous: [], cached: cached,
                          allow: settings.allow, families: settings.families)
    }

    /// Fetches every source (conditionally, with the ETag of the last accepted list when it
    /// came from that same source) and accepts the result only if every guard passes.
    func fetch(now: Date = Date()) throws -> Accepted {
        if settings.offline { return try lastAccepted() }
        let cached = try cache.load()
        let sources = self.sources
        let requests = sources.map { FetchRequest(url: $0.url, ifNoneMatch: Self.lastCopy(of: $0, in: cached)?.first?.etag) }
        let results = try Fetcher(timeout: settings.timeout, maxBytes: settings.maxListSize).fetch(requests)
        var lists: [CachedList] = []
        var fromCache: Set<Family> = []
        for (source, result) in zip(sources, results) {
            if result.notModified {
                guard let copy = Self.lastCopy(of: source, in: cached) else {
                    throw CFSyncError.failed("fetch \(result.url): HTTP 304 for a list that is not in the state dir")
                }
                log.info("\(result.url): not modified (ETag), using the last accepted copy")
                lists += copy
                fromCache.formUnion(source.families)
            } else {
                log.info("\(result.url): fetched \(result.body.count) bytes, sha256 \(result.sha256.prefix(12))")
                lists += source.families.map {
                    CachedList(family: $0, url: result.url, format: source.format, sha256: result.sha256, etag: result.etag,
                               fetchedAt: now, body: result.body)
                }
            }
        }
        return try accept(lists, fromCache: fromCache, previous: settings.force ? [] : cached, cached: cached,
                          allow: settings.allow, families: settings.families)
    }

    /// Runs every list guard again on the lists of a saved plan: syntax, and the shrink
    /// guard against the last accepted list of each family now (`--force` overrides it).
    func recheck(_ lists: [CachedList], allow: [AnyPrefix]) throws -> Accepted {
        let cached = try cache.load()
        let families = Array(Set(lists.map(\.family))).sorted()
        return try accept(lists, fromCache: Set(families), previous: settings.force ? [] : cached, cached: cached,
                          allow: allow, families: families)
    }

    /// The last accepted lists of `source`'s families when they all came from it, in its
    /// format, as one body: what an ETag stands for and a 304 answer means.
    private static func lastCopy(of source: Source, in cached: [CachedList]) -> [CachedList]? {
        let copy = cached.filter { source.families.contains($0.family) }
        guard copy.count == source.families.count, let first = copy.first,
              copy.allSatisfy({ $0.url == source.url && $0.format == source.format && $0.sha256 == first.sha256 })
        else { return nil }
        return copy
    }

    /// Parses and guards every list (a body serving several families once); the shrink
    /// guard compares each family with `previous`' list of that family, whatever URL it
    /// came from. `cached` is the state dir's set: its lists of other families stay.
    private func accept(
        _ lists: [CachedList], fromCache: Set<Family>, previous: [CachedList], cached: [CachedList],
        allow: [AnyPrefix], families: [Family]
    ) throws -> Accepted {
        var prefixes = AddressLists()
        for body in Self.byBody(lists) {
            let first = body[0]
            let parsed = try first.format.parse(first.body, families: body.map(\.family), source: first.url)
            for list in body {
                guard let old = previous.first(where: { $0.family == list.family }), old.sha256 != list.sha256 else { continue }
                try checkShrink(from: old, to: parsed, list)
            }
            prefixes.ipv4 += parsed.ipv4
            prefixes.ipv6 += parsed.ipv6
        }
        for entry in allow {
            switch entry {
            case .ipv4(let p): prefixes.ipv4.append(p)
            case .ipv6(let p): prefixes.ipv6.append(p)
            }
        }
        let accepted = Set(lists.map(\.family))
        return Accepted(
            lists: prefixes.aggregated(keeping: families),
            managed: lists,
            bodies: lists + cached.filter { !accepted.contains($0.family) },
            sources: Self.byBody(lists).map { body in
                let list = body[0]
                return Report.Source(url: list.url, sha256: list.sha256, etag: list.etag,
                                     fromCache: fromCache.contains(list.family), fetchedAt: list.fetchedAt)
            }
        )
    }

    private func checkShrink(from old: CachedList, to parsed: AddressLists, _ list: CachedList) throws {
        let before = try old.prefixes()
        let limit = settings.maxShrinkPercent
        switch list.family {
        case .ipv4:
            try ListGuards.checkShrink(previous: before.ipv4, next: parsed.ipv4, maxShrinkPercent: limit, source: list.url, previousSource: old.url)
        case .ipv6:
            try ListGuards.checkShrink(previous: before.ipv6, next: parsed.ipv6, maxShrinkPercent: limit, source: list.url, previousSource: old.url)
        }
    }

    /// The lists grouped by the body they share (one group per source), in order.
    private static func byBody(_ lists: [CachedList]) -> [[CachedList]] {
        var groups: [[CachedList]] = []
        for list in lists {
            if let index = groups.firstIndex(where: { $0[0].url == list.url && $0[0].sha256 == list.sha256 && $0[0].format == list.format }) {
                groups[index].append(list)
            } else {
                groups.append([list])
            }
        }
        return groups
    }
}
