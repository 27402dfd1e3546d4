import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs Tests/Fixtures/listserver.py on 127.0.0.1 with a port the kernel picks, serving
/// files from a fresh temp dir. Tests never talk to anything but loopback.
/// With `tls: true` it serves https with the self-signed pair in Tests/Fixtures/tls,
/// which cfsync must reject: every https fetch from it fails the TLS handshake.
final class ListServer {
    let root: URL
    let port: Int
    let tls: Bool
    private let process: Process

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static var script: String { fixtures.appendingPathComponent("listserver.py").path }

    init(files: [String: String] = [:], tls: Bool = false) throws {
        self.tls = tls
        // Keep loopback traffic off any proxy the environment might name.
        setenv("no_proxy", "127.0.0.1,localhost,::1", 1)
        setenv("NO_PROXY", "127.0.0.1,localhost,::1", 1)
        root = try ListServer.makeTempDir("listserver")
        for (name, text) in files {
            try Data(text.utf8).write(to: root.appendingPathComponent(name))
        }
        let out = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--root", root.path, "--bind", "127.0.0.1", "--port", "0"]
        if tls {
            let pair = Self.fixtures.appendingPathComponent("tls")
            process.arguments! += ["--tls", pair.appendingPathComponent("cert.pem").path,
                                   pair.appendingPathComponent("key.pem").path]
        }
        process.standardOutput = out
        try process.run()

        var line = Data()
        while !line.contains(0x0a) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("listening "), let port = Int(text.dropFirst("listening ".count)) else {
            process.terminate()
            throw NSError(domain: "ListServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "listserver.py said \"\(text)\""])
        }
        self.port = port
    }

    func url(_ path: String) -> String {
        "\(tls ? "https" : "http")://127.0.0.1:\(port)/\(path)"
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: root)
    }

    deinit { stop() }

    /// A loopback port nothing listens on (bound, read, closed).
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                _ = bind(fd, raw, length)
                _ = getsockname(fd, raw, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A fresh directory under the system temp dir.
    static func makeTempDir(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("cfsync-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
