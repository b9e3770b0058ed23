import Foundation
import PackagePlugin

/// Stamps the `masklab` executable with the commit it is built from: before every build it writes
/// `BuildCommit.swift` (`buildCommit`, the short hash of the package's git HEAD or "unknown";
/// `buildDirty`, whether tracked files outside `results/` differed from it or new files lay in
/// `Sources/` or `Plugins/`), and
/// replaces the file only when that text changed, so an unchanged commit recompiles nothing.
/// `command.txt` then names the binary's own code, not whatever the clone holds when it runs.
@main
struct BuildCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = #"""
        set -u
        mkdir -p "$2"
        commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
        dirty=false
        # Tracked changes outside results/, and new files the build compiles (Sources, Plugins);
        # --no-optional-locks: a build never takes git's index lock from a git command in progress.
        tracked=$(git -C "$1" --no-optional-locks status --porcelain --untracked-files=no -- . ':(exclude)results' 2>/dev/null)
        added=$(git -C "$1" --no-optional-locks status --porcelain --untracked-files=all -- Sources Plugins Package.swift 2>/dev/null)
        if [ -n "$tracked$added" ]; then dirty=true; fi
        next="$2/BuildCommit.swift.next"
        printf '// Written by BuildCommitPlugin before the build: the commit this binary is built from.\nlet buildCommit = "%s"\nlet buildDirty = %s\n' "$commit" "$dirty" > "$next"
        if cmp -s "$next" "$2/BuildCommit.swift"; then rm -f "$next"; else mv "$next" "$2/BuildCommit.swift"; fi
        """#
        return [.prebuildCommand(displayName: "Stamping the build commit into \(target.name)",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "stamp", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
