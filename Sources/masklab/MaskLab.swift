import ArgumentParser
import Foundation
import Experiments

/// The `masklab` command: train, evaluate and inspect networks with weight masks.
@main
struct MaskLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masklab",
        abstract: "Weight masks, importance and lottery tickets for neural networks, on the CPU.",
        discussion: """
        Every run writes one folder (config, command and commit, metrics.csv, summary.json, curves.svg, \
        checkpoint, TensorBoard event file; `masklab runs` lists them). The same command, seed and thread count give bit-identical metrics. \
        Data is found via --data, $MASKLAB_DATA, ./data or ../shared/data; `masklab data fetch` downloads it.
        """,
        version: "0.1.0 (commit \(buildCommit)\(buildDirty ? ", built with uncommitted changes" : ""))",
        subcommands: [TrainCommand.self, EvalCommand.self, DataCommand.self, ModelsCommand.self, ImportanceCommand.self, PruneCommand.self, BenchCommand.self, CompareCommand.self, LotteryCommand.self, InterpolateCommand.self, LotteryReportCommand.self, DiffCommand.self, PlotCommand.self, RunsCommand.self, SweepCommand.self, PruneSweepCommand.self, MasksCommand.self, ReproduceCommand.self]
    )

    /// Ignores SIGPIPE (a reader that went away makes output fail quietly, `StandardStreams`,
    /// instead of killing a run mid-write), picks OpenBLAS's kernel set for this CPU (at most one
    /// re-execution), records the commit this binary was built from (`BuildCommitPlugin`; every
    /// `command.txt` names it), then runs the command. A `UsageFailure` exits with status 64 like
    /// the errors ArgumentParser finds; other errors go to ArgumentParser's own handling.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        Provenance.buildStamp = (buildCommit, buildDirty)
        BLASKernelReexec.applyIfUseful()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch let failure as UsageFailure {
            StandardStreams.error("Error: \(failure.message)\n")
            Foundation.exit(UsageFailure.status)
        } catch {
            exit(withError: error)
        }
    }
}
