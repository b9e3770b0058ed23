import XCTest
import Foundation

/// The repository's committed files (git's `HEAD`, not the working tree), for tests that derive
/// committed results again: list them, copy a folder of them into a scratch folder, read one.
/// Without git or outside a checkout the calling test skips and says so.
public enum CommittedFiles {
    /// The package root (the folder holding `Package.swift`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let env = URL(fileURLWithPath: "/usr/bin/env")

    private static func git(_ arguments: [String]) throws -> CommandRunner.Result {
        let r = try CommandRunner.run(["git", "-C", root.path] + arguments, executable: env, timeout: 120)
        guard r.status == 0 else { throw XCTSkip("git \(arguments.first ?? "") failed (no git, or not a checkout?): \(r.stderr.prefix(200))") }
        return r
    }

    /// Every committed file under `folder` (repository-relative paths).
    public static func list(_ folder: String) throws -> [String] {
        try git(["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", folder]).stdout.split(separator: "\0").map(String.init)
    }

    /// Copies the committed files under `folder` into `destination`, keeping their repository-relative
    /// paths, then deletes `outputs` (paths relative to `folder`) from the copy so that the command
    /// under test must write them again. Returns the committed paths.
    @discardableResult
    public static func copy(_ folder: String, to destination: URL, removing outputs: [String] = []) throws -> [String] {
        let files = try list(folder)
        XCTAssertFalse(files.isEmpty, "nothing is committed under \(folder)")
        let r = try CommandRunner.run(["sh", "-c", "git -C \"$1\" archive --format=tar HEAD -- \"$2\" | tar -x -C \"$3\"", "sh",
                                       root.path, folder, destination.path], executable: env, timeout: 120)
        guard r.status == 0 else { throw XCTSkip("git archive | tar failed: \(r.stderr.prefix(200))") }
        for output in outputs {
            let url = destination.appendingPathComponent("\(folder)/\(output)")
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        }
        return files
    }

    /// The committed text of `path` (repository-relative).
    public static func text(_ path: String) throws -> String {
        try git(["show", "HEAD:\(path)"]).stdout
    }
}
