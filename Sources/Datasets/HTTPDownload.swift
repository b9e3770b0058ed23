import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A blocking download of one URL (http or https) into a `FileIO.Writer`, through URLSession.
///
/// The bytes go straight into the writer's `NAME.part` file in the target folder (a data task,
/// not a download task, so nothing is ever put in the system's temporary folder). Succeeds only
/// on HTTP 200. Bounded in time and size (`DownloadLimits`): a server that sends nothing for
/// `window` seconds, or fewer than `minimumRate · window` bytes in any `window` seconds, or that
/// has not finished by `deadline`, is dropped with a message saying so in words; a server that
/// announces or sends more than `maxBytes` is dropped as soon as it does. `progress(received,
/// total)` is called from URLSession's delegate thread (total is nil without a Content-Length).
enum HTTPDownload {
    /// How often the waiting thread checks the limits, in seconds.
    static let tick = 0.05

    static func fetch(_ url: URL, into writer: FileIO.Writer, limits: DownloadLimits, maxBytes: Int,
                      progress: @escaping @Sendable (Int, Int?) -> Void) throws(DatasetError) {
        let delegate = Delegate(writer: writer, maxBytes: maxBytes, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        // Backstops only: the checks below fire first and say what happened in words.
        configuration.timeoutIntervalForRequest = limits.window * 2 + 5
        configuration.timeoutIntervalForResource = limits.deadline + 5
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        let task = session.dataTask(with: url)
        let start = Date()
        task.resume()
        var samples: [(time: Double, received: Int)] = [(0, 0)]   // bytes received at each tick
        while delegate.finished.wait(timeout: .now() + tick) == .timedOut {
            let now = Date().timeIntervalSince(start)
            let (received, idle) = delegate.state(now: now)
            samples.append((now, received))
            while samples.count > 2 && samples[1].time <= now - limits.window { samples.removeFirst() }
            var failure: String?
            let windowFull = now >= limits.window && samples[0].time <= now - limits.window + tick
            let inWindow = received - samples[0].received
            if idle >= limits.window || (windowFull && inWindow == 0) {
                failure = "no data for \(seconds(limits.window)) s from the server"
            } else if windowFull, Double(inWindow) < limits.minimumRate * (now - samples[0].time) {
                failure = "too slow: \(inWindow) bytes in \(seconds(now - samples[0].time)) s "
                    + "(at least \(Int(limits.minimumRate)) bytes/s over any \(seconds(limits.window)) s are required)"
            } else if now >= limits.deadline {
                failure = "not finished after \(seconds(limits.deadline)) s (\(received) bytes received): the deadline passed"
            }
            if let failure { delegate.fail(failure) }
            // Cancelled once, then the loop waits for URLSession to report the task complete:
            // invalidating the session or cancelling again while it still delivers data makes
            // FoundationNetworking trap ("a task that is not in the registry").
            if delegate.failure != nil { delegate.cancelOnce(task) }
        }
        session.finishTasksAndInvalidate()
        if let message = delegate.failure { throw .download(url: url.absoluteString, message: message) }
    }

    private static func seconds(_ t: Double) -> String {
        t == t.rounded() ? String(Int(t)) : String(format: "%.1f", t)
    }

    /// Writes what arrives and enforces the size cap; `finished` signals the end.
    private final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let writer: FileIO.Writer
        let maxBytes: Int
        let progress: @Sendable (Int, Int?) -> Void
        let finished = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var received = 0
        private var lastData = Date()
        private var total: Int?
        private var failureMessage: String?
        private var cancelled = false

        init(writer: FileIO.Writer, maxBytes: Int, progress: @escaping @Sendable (Int, Int?) -> Void) {
            self.writer = writer
            self.maxBytes = maxBytes
            self.progress = progress
        }

        /// The first failure recorded, if any.
        var failure: String? { lock.withLock { failureMessage } }

        /// Cancels `task` the first time it is called, then does nothing.
        func cancelOnce(_ task: URLSessionTask) {
            let first = lock.withLock { () -> Bool in
                defer { cancelled = true }
                return !cancelled
            }
            if first { task.cancel() }
        }

        /// Records `message` unless a failure is already recorded.
        func fail(_ message: String) { lock.withLock { if failureMessage == nil { failureMessage = message } } }

        /// Bytes received so far and seconds since data last arrived.
        func state(now: Double) -> (received: Int, idle: Double) {
            lock.withLock { (received, Date().timeIntervalSince(lastData)) }
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            lock.withLock { lastData = Date() }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status != 200 {
                fail("HTTP status \(status)" + (status == 404 ? " (not found)" : ""))
                completionHandler(.allow)   // then cancelled: the `.cancel` disposition winds down slowly under a flood
                return cancelOnce(dataTask)
            }
            let announced = response.expectedContentLength
            if announced > Int64(maxBytes) {
                fail("the server announces \(announced) bytes, more than the \(maxBytes) bytes accepted for this file")
                completionHandler(.allow)   // then cancelled: the `.cancel` disposition winds down slowly under a flood
                return cancelOnce(dataTask)
            }
            lock.withLock { total = announced >= 0 ? Int(announced) : nil }
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            // Checked and written under the lock: once `fail` has returned, nothing more is written.
            // nil: drop the data; .some(nil): drop it and cancel (once, when the failure is new).
            let outcome = lock.withLock { () -> (received: Int, total: Int?)?? in
                guard failureMessage == nil else { return .some(nil) }
                received += data.count
                lastData = Date()
                guard received <= maxBytes else {
                    failureMessage = "more than \(maxBytes) bytes received, the most accepted for this file"
                    return nil
                }
                let written = data.withUnsafeBytes { b in Result { () throws(DatasetError) in try writer.write(b) } }
                if case let .failure(error) = written {
                    failureMessage = "cannot write \(writer.partPath): \(error)"
                    return nil
                }
                return (received, total)
            }
            switch outcome {
            case .none: cancelOnce(dataTask)
            case .some(.none): return
            case let .some(.some(state)): progress(state.received, state.total)
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if let error {
                fail(Self.describe(error))
            } else {
                let (got, expected) = lock.withLock { (received, total) }
                if let expected, got != expected {
                    fail("the connection ended after \(got) of the \(expected) bytes announced")
                }
            }
            finished.signal()
        }

        /// URLSession's errors in words (instead of "NSURLErrorDomain error -1001").
        static func describe(_ error: Error) -> String {
            let e = error as NSError
            guard e.domain == NSURLErrorDomain else { return e.localizedDescription }
            switch e.code {
            case NSURLErrorTimedOut: return "no data from the server for too long (timed out)"
            case NSURLErrorCannotConnectToHost: return "cannot connect to the server (connection refused)"
            case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: return "unknown host"
            case NSURLErrorNotConnectedToInternet: return "no network connection"
            case NSURLErrorNetworkConnectionLost: return "the connection was lost before the file was complete"
            case NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasBadDate,
                 NSURLErrorServerCertificateHasUnknownRoot, NSURLErrorServerCertificateNotYetValid:
                return "the secure (TLS) connection failed"
            case NSURLErrorCancelled: return "cancelled"
            default: return "network error \(e.code): \(e.localizedDescription)"
            }
        }
    }
}

/// The time limits of a download. Together with the size cap they bound how long a fetch can
/// hang and how much a misbehaving server can write.
public struct DownloadLimits: Sendable, Equatable {
    /// Seconds: a download fails when no data arrives for this long, and the rate below is
    /// averaged over windows of this length.
    public var window: Double
    /// Bytes per second that must arrive on average over every `window` seconds (a server
    /// trickling one byte at a time is dropped after one window).
    public var minimumRate: Double
    /// Seconds for the whole file, however fast it flows.
    public var deadline: Double

    public init(window: Double = 60, minimumRate: Double = 1000, deadline: Double = 4 * 3600) {
        self.window = window
        self.minimumRate = minimumRate
        self.deadline = deadline
    }
}
