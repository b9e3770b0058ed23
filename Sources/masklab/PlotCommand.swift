import ArgumentParser
import Foundation
import Experiments

/// `masklab plot RUN…`: overlay the test curves of any runs.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Overlay the test accuracy and loss curves of run folders in one SVG.",
        discussion: """
        Runs whose configs differ only in the seed (or in what is logged or checkpointed) are drawn as \
        one curve, the mean over seeds with a 95% t-interval band. The legend names each curve by its \
        arm when the runs come from one comparison (compare-X/runs/<arm>/seed-N), else by the settings \
        that tell the curves apart (a lottery level's mask density counts as a setting, a mask shows its \
        keep share), ordered by their values. A folder given twice, or two runs with the same settings \
        and seed, is refused; a run without a finished epoch is left out with a note; when a group's \
        runs have different lengths, the legend says how many seeds the later epochs average.
        """
    )

    @Argument(help: "Run folders (each with config.json and metrics.csv).")
    var runs: [String]

    @Option(name: .long, help: "Output SVG file.")
    var out = "runs.svg"

    @Option(name: .long, help: "Title. Default: the model and dataset of the first curve's first run.")
    var title: String?

    func validate() throws {
        if runs.isEmpty { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        let groups: [RunOverlay.Group]
        var skipped: [(path: String, reason: String)] = []
        do { groups = try RunOverlay.groups(runs, skipped: &skipped) } catch { throw CommandFailure(error.description) }
        for s in skipped { print("left out \(s.path): \(s.reason)") }
        guard !groups.isEmpty else { throw CommandFailure("nothing to plot: no run has a finished epoch") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UsageFailure("--out \(out) is a folder; give the SVG file's name, e.g. \(URL(fileURLWithPath: out).appendingPathComponent("runs.svg").path)")
        }
        let directory = URL(fileURLWithPath: out).deletingLastPathComponent()
        try refuseForeignFolder(directory, out: out, command: "plot")
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("--out \(out): the folder \(directory.path) does not exist")
        }
        let heading = title ?? (try? RunConfig.load(from: RunLayout(directory: URL(fileURLWithPath: groups[0].runs[0], isDirectory: true)).config))
            .map { "\($0.training.model) on \($0.training.dataset)" } ?? "runs"
        do { try RunOverlay.svg(groups, title: heading).write(toFile: out, atomically: true, encoding: .utf8) } catch {
            throw CommandFailure("\(out): cannot write: \(error.localizedDescription)")
        }
        for g in groups { print("\(g.label): \(g.runs.joined(separator: " "))") }
        print("wrote \(out)")
    }
}
