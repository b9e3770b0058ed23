import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for download tests: serves in-memory files for `GET`,
/// 404 for unknown paths, one connection at a time, `Connection: close`. Besides plain files it
/// can misbehave on purpose (`Response`): trickle a file byte by byte, stall after the headers,
/// or announce a huge length and stream zeros until the client hangs up.
///
/// It listens on an ephemeral port (`port`, `baseURL`) on a background thread and stops by
/// itself: on `stop()`, or after `lifetime` seconds at the latest, so a test that fails midway
/// never leaves it running for long. Each connection is bounded by a 5 s socket timeout and a
/// 64 KiB request.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public let port: UInt16
    /// "http://127.0.0.1:PORT/".
    public var baseURL: String { "http://127.0.0.1:\(port)/" }

    /// What the server sends for one path.
    public enum Response: Sendable {
        /// The content, at full speed.
        case file([UInt8])
        /// The content (its real length announced), one byte every `interval` seconds.
        case trickle([UInt8], interval: TimeInterval)
        /// Headers announcing `claimedLength` bytes, then nothing until the client hangs up.
        case stall(claimedLength: Int)
        /// Headers announcing `claimedLength` bytes (none when nil: the body ends when the
        /// connection closes), then zeros at full speed until the client hangs up.
        case endless(claimedLength: Int?)
    }

    private let listener: Int32
    private let files: [String: Response]
    private let lock = NSLock()
    private var stopped = false
    private var served: [String] = []
    private let finished = DispatchSemaphore(value: 0)

    /// Starts serving `files` (path without the leading "/" → content).
    public convenience init(files: [String: [UInt8]], lifetime: TimeInterval = 60) throws {
        try self.init(responses: files.mapValues { .file($0) }, lifetime: lifetime)
    }

    /// Starts serving `responses` (path without the leading "/" → what to send).
    public init(responses: [String: Response], lifetime: TimeInterval = 60) throws {
        self.files = responses
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError.socket("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw ServerError.socket("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let deadline = Date().addingTimeInterval(lifetime)
        let thread = Thread { [self] in serve(until: deadline) }
        thread.name = "masklab.test.http"
        thread.start()
    }

    /// The request paths served so far, in order.
    public var requests: [String] { lock.withLock { served } }

    /// Stops accepting connections and waits for the thread to end.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first { finished.wait() }
    }

    public enum ServerError: Error { case socket(String) }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func serve(until deadline: Date) {
        defer {
            close(listener)
            finished.signal()
        }
        while !isStopped && Date() < deadline {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Short send timeouts, retried for up to 5 s: `stop()` never waits long for a client that stopped reading.
        var sendTimeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 65_536 {
            let n = recv(client, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            request += buffer[0..<n]
            if let text = String(bytes: request, encoding: .utf8), text.contains("\r\n\r\n") { break }
        }
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        let method = parts.first.map(String.init) ?? ""
        var path = parts.count > 1 ? String(parts[1]) : "/"
        if let q = path.firstIndex(of: "?") { path = String(path[..<q]) }
        let key = path.hasPrefix("/") ? String(path.dropFirst()) : path
        lock.withLock { served.append(path) }
        let status: String, body: [UInt8]
        var response = Response.file([])
        if method != "GET" && method != "HEAD" {
            status = "405 Method Not Allowed"
            body = Array("method not allowed\n".utf8)
        } else if let found = files[key] {
            status = "200 OK"
            response = found
            if case let .file(content) = found { body = content } else { body = [] }
        } else {
            status = "404 Not Found"
            body = Array("not found: \(path)\n".utf8)
        }
        var length: Int? = body.count
        switch response {
        case let .trickle(content, _): length = content.count
        case let .stall(claimed): length = claimed
        case let .endless(claimed): length = claimed
        case .file: break
        }
        let header = "HTTP/1.1 \(status)\r\nContent-Type: application/octet-stream\r\n"
            + (length.map { "Content-Length: \($0)\r\n" } ?? "") + "Connection: close\r\n\r\n"
        guard write(Array(header.utf8), to: client), method != "HEAD" else { return }
        switch response {
        case .file:
            write(body, to: client)
        case let .trickle(content, interval):
            for byte in content {
                guard !isStopped, write([byte], to: client) else { return }
                Thread.sleep(forTimeInterval: interval)
            }
        case .stall:
            // Until the client gives up (its end of the socket closes) or the server stops.
            var poller = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            var scratch = [UInt8](repeating: 0, count: 256)
            while !isStopped {
                if poll(&poller, 1, 50) > 0 && recv(client, &scratch, scratch.count, 0) <= 0 { return }
            }
        case .endless:
            let zeros = [UInt8](repeating: 0, count: 1 << 16)
            var sent = 0
            while !isStopped && sent < 1 << 32, write(zeros, to: client) { sent += zeros.count }
        }
    }

    /// Sends all of `bytes`; false when the client is gone.
    @discardableResult
    private func write(_ bytes: [UInt8], to client: Int32) -> Bool {
        var sent = 0, stalled = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(client, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sent += n
                stalled = 0
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) && !isStopped && stalled < 50 {
                stalled += 1   // 50 × 0.1 s: the client has not read for 5 s
            } else {
                return false
            }
        }
        return true
    }
}
