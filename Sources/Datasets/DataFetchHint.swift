import Foundation

/// The `masklab data fetch` command that puts a dataset where a reader looked for it, for the
/// hints of "not found" errors: with `--root` unless the folder is `./data`, where `data fetch`
/// writes without one (it does not follow `$MASKLAB_DATA` or `../shared/data`, which only the
/// readers look in), so that the hint fetches into the folder the reader looked in.
public enum DataFetchHint {
    /// `masklab data fetch NAME`, plus `--root ROOT` unless `root` is `./data` (of `currentDirectory`).
    public static func command(_ name: String, root: String, currentDirectory: String = FileManager.default.currentDirectoryPath) -> String {
        func plain(_ p: String) -> String { URL(fileURLWithPath: p.hasPrefix("/") ? p : currentDirectory + "/" + p).standardizedFileURL.path }
        return "masklab data fetch \(name)" + (plain(root) == plain("data") ? "" : " --root \(shellQuoted(root))")
    }

    /// `path` as one shell word (single-quoted when it holds anything but safe characters).
    static func shellQuoted(_ path: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@")
        if !path.isEmpty, path.unicodeScalars.allSatisfy({ safe.contains($0) }) { return path }
        return "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
