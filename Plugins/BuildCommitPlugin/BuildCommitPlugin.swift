import Foundation
import PackagePlugin

/// Stamps the `masklab` executable with the commit it is built from: it writes `BuildCommit.swift`
/// (`buildCommit`, the short hash of the package's git HEAD or "unknown"; `buildDirty`, whether
/// the code compiled into the binary — tracked or new files in `Sources/`, `Plugins/`,
/// `Package.swift` — differed from that commit) and replaces the file only when its text changed,
/// so an unchanged stamp recompiles nothing. `command.txt` then names the binary's own code, not
/// whatever the clone holds when it runs.
///
/// This is a build command, not a prebuild command: SwiftPM caches its build manifest and runs
/// prebuild commands only when it plans the build again (a changed manifest or file set), so a
/// `git checkout` or commit followed by `swift build` kept the old stamp. A build command runs
/// whenever one of its inputs changed, and its inputs are everything the stamp depends on: git's
/// HEAD, HEAD's reflog (appended on every move of HEAD, on any branch), the index, the refs, and
/// every file under `Sources/` and `Plugins/` plus `Package.swift`. Linked worktrees
/// (`.git` is a file naming the git directory) are followed.
@main
struct BuildCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let stamp = output.appending(path: "BuildCommit.swift")
        let script = #"""
        set -u
        mkdir -p "$(dirname "$2")"
        commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
        dirty=false
        # Tracked changes and new files in what the build compiles; --no-optional-locks: a build
        # never takes git's index lock from a git command in progress.
        changed=$(git -C "$1" --no-optional-locks status --porcelain --untracked-files=all -- Sources Plugins Package.swift 2>/dev/null)
        if [ -n "$changed" ]; then dirty=true; fi
        next="$2.next"
        printf '// Written by BuildCommitPlugin: the commit this binary is built from.\nlet buildCommit = "%s"\nlet buildDirty = %s\n' "$commit" "$dirty" > "$next"
        if cmp -s "$next" "$2"; then rm -f "$next"; else mv "$next" "$2"; fi
        """#
        return [.buildCommand(displayName: "Stamping the build commit into \(target.name)",
                              executable: URL(fileURLWithPath: "/bin/sh"),
                              arguments: ["-c", script, "stamp", package.path, stamp.path],
                              inputFiles: Self.gitInputs(package: package) + Self.codeInputs(package: package),
                              outputFiles: [stamp])]
    }

    /// The git files whose change can change the stamp's commit or dirty flag; only those that
    /// exist (a tarball without `.git` stamps "unknown" and has none).
    static func gitInputs(package: URL) -> [URL] {
        let fm = FileManager.default
        let dotGit = package.appending(path: ".git")
        var gitDir = dotGit
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) else { return [] }
        if !isDirectory.boolValue {
            // A linked worktree: ".git" holds "gitdir: <path>".
            guard let text = try? String(contentsOf: dotGit, encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("gitdir:") }) else { return [] }
            let path = line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces)
            gitDir = path.hasPrefix("/") ? URL(fileURLWithPath: path) : package.appending(path: path)
        }
        // Refs live in the common directory, which a worktree's git directory names in "commondir".
        var common = gitDir
        if let text = try? String(contentsOf: gitDir.appending(path: "commondir"), encoding: .utf8) {
            let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
            common = path.hasPrefix("/") ? URL(fileURLWithPath: path) : gitDir.appending(path: path)
        }
        var inputs = [gitDir.appending(path: "HEAD"), gitDir.appending(path: "logs/HEAD"), gitDir.appending(path: "index"),
                      common.appending(path: "packed-refs"), common.appending(path: "refs/heads")]
        if let head = try? String(contentsOf: gitDir.appending(path: "HEAD"), encoding: .utf8), head.hasPrefix("ref:") {
            inputs.append(common.appending(path: head.dropFirst(4).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return inputs.filter { fm.fileExists(atPath: $0.path) }
    }

    /// Every file the build compiles or plans from: `Package.swift` and the trees `Sources/` and `Plugins/`.
    static func codeInputs(package: URL) -> [URL] {
        var inputs = [package.appending(path: "Package.swift")]
        for folder in ["Sources", "Plugins"] {
            guard let walk = FileManager.default.enumerator(at: package.appending(path: folder),
                                                            includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let file as URL in walk where (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                inputs.append(file)
            }
        }
        return inputs
    }
}
