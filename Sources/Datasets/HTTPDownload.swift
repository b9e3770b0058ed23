import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A blocking download of one URL (http or https) to a file, through URLSession.
///
/// Succeeds only on HTTP 200; any other status, a network error or an idle period longer than
/// `timeout` seconds throws `.download(url:, message:)`. `progress(received, total)` is called from
/// URLSession's delegate thread (total is nil when the server sends no Content-Length).
enum HTTPDownload {
    static func fetch(_ url: URL, to destination: String, timeout: Double,
                      progress: @escaping @Sendable (Int, Int?) -> Void) throws(DatasetError) {
        let delegate = Delegate(destination: destination, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        let task = session.downloadTask(with: url)
        task.resume()
        delegate.finished.wait()
        session.finishTasksAndInvalidate()
        if let message = delegate.failure { throw .download(url: url.absoluteString, message: message) }
    }

    /// Moves the finished download into place and records failures; `finished` signals the end.
    private final class Delegate: NSObject, URLSessionDownloadDelegate, @unchecked Sendable {
        let destination: String
        let progress: @Sendable (Int, Int?) -> Void
        let finished = DispatchSemaphore(value: 0)
        /// Set on the delegate thread before `finished` is signalled; read after.
        var failure: String?

        init(destination: String, progress: @escaping @Sendable (Int, Int?) -> Void) {
            self.destination = destination
            self.progress = progress
        }

        func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didWriteData bytesWritten: Int64,
                        totalBytesWritten: Int64, totalBytesExpectedToWrite: Int64) {
            progress(Int(totalBytesWritten), totalBytesExpectedToWrite > 0 ? Int(totalBytesExpectedToWrite) : nil)
        }

        func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didFinishDownloadingTo location: URL) {
            let status = (downloadTask.response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else {
                failure = "HTTP status \(status)" + (status == 404 ? " (not found)" : "")
                return
            }
            do {
                let target = URL(fileURLWithPath: destination)
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.moveItem(at: location, to: target)
            } catch {
                failure = "cannot move the download to \(destination): \(error)"
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if let error, failure == nil { failure = error.localizedDescription }
            if error == nil, failure == nil, !FileManager.default.fileExists(atPath: destination) {
                let status = (task.response as? HTTPURLResponse)?.statusCode ?? 0
                failure = status == 200 ? "no data received" : "HTTP status \(status)" + (status == 404 ? " (not found)" : "")
            }
            finished.signal()
        }
    }
}
