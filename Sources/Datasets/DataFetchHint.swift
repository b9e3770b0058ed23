import Foundation

/// The `masklab data fetch` command that puts a dataset where a reader looked for it, for the
/// hints of "not found" errors: with `--root` unless the folder is the one `data fetch` uses by
/// itself (`DataLocator`'s: `$MASKLAB_DATA`, `./data` or `../shared/data`, else a new `./data`),
/// so that the hint fetches into the folder the reader looked in.
public enum DataFetchHint {
    /// `masklab data fetch NAME`, plus `--root ROOT` unless `root` is the folder it fetches into by default.
    public static func command(_ name: String, root: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let fallback = (try? DataLocator.resolve(explicit: nil))?.path ?? cwd + "/data"
        func plain(_ p: String) -> String { URL(fileURLWithPath: p.hasPrefix("/") ? p : cwd + "/" + p).standardizedFileURL.path }
        return "masklab data fetch \(name)" + (plain(root) == plain(fallback) ? "" : " --root \(shellQuoted(root))")
    }

    /// `path` as one shell word (single-quoted when it holds anything but safe characters).
    static func shellQuoted(_ path: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@")
        if !path.isEmpty, path.unicodeScalars.allSatisfy({ safe.contains($0) }) { return path }
        return "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
