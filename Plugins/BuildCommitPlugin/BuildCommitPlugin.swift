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
/// whenever one of its inputs changed. Its inputs are git's `HEAD` (a checkout), HEAD's reflog
/// `logs/HEAD` (appended on every move of HEAD: commit, amend, reset, pull, on any branch), the
/// index, and every file under `Sources/` and `Plugins/` plus `Package.swift` (the dirty flag).
/// No ref file is an input: the list is fixed when SwiftPM plans the build, and a ref file that
/// later disappears (`git gc` packs refs, a branch is deleted) would stop every build on a missing
/// input; the reflog already sees every move. (A repository whose HEAD reflog is missing when the
/// build is planned, `core.logAllRefUpdates=false` from the clone on, restamps on checkouts and
/// index changes only.) Linked worktrees (`.git` is a file naming the git directory) are followed,
/// and git never looks above the package folder (`GIT_CEILING_DIRECTORIES`): a tarball unpacked
/// inside another repository stamps "unknown", not that repository's commit.
@main
struct BuildCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let stamp = output.appending(path: "BuildCommit.swift")
        let script = #"""
        set -u
        export GIT_CEILING_DIRECTORIES="$(dirname "$1")"
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

    /// The git files whose change can change the stamp's commit or dirty flag, among those git
    /// keeps for the repository's life (never a ref file: see the type's comment); only those that
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
        // HEAD, its reflog and the index are the worktree's own (a linked worktree's git directory).
        let inputs = [gitDir.appending(path: "HEAD"), gitDir.appending(path: "logs/HEAD"), gitDir.appending(path: "index")]
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
