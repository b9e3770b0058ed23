import ArgumentParser
import Foundation
import Datasets
import Experiments
import Training

/// `masklab compare`: the regularisation comparison (baseline, dropconnect, impacts, impacts+reg
/// over seeds) from one config file, run as child processes and summarised in a report.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train every arm of a comparison over its seeds and write the report (tables with 95% CIs, Welch tests, plots).",
        discussion: """
        CONFIG is a comparison file (see experiments/compare-*.json): "name", "seeds", "targetAccuracy", "jobs", \
        "threadsPerJob", optional "arms" (each {"name", "masks": an object merged into the base's masks, or null}) \
        "base" (a run config) and optional "analysis" (primary endpoints, contrasts, reference arm(s) and equivalence \
        margin, declared before any run: the report shows their paired analysis first). Runs go to <out>/compare-<name>/runs/<arm>/seed-<s>/, `jobs` child processes at a time.

        Run the same command again after an interruption: completed runs are skipped, partial ones resume from \
        their checkpoints. --report-only rewrites the report (REPORT.md, paired.csv, summary.csv, welch.csv, epochs.csv, SVGs) \
        from the runs that exist; put hand-written findings in findings.md beside REPORT.md. A comparison that \
        declares an "analysis" is pre-registered: until all its runs are complete, REPORT.md shows only progress (and \
        the decision of a declared seed-extension rule, "analysis.extension", which sees only σ_d of one contrast) and \
        the tables and plots are removed; --unblind writes the full report anyway, marked as an unblinded interim.

        The first invocation that sees an "analysis" records it in compare-<name>/analysis-declared.json with the date, \
        the commit and how many runs had ended; REPORT.md says "declared in the config before any run" only when that \
        was before any run folder existed. A later invocation (--report-only too) whose config declares another \
        analysis is refused, naming what differs; --redeclare-analysis records the new one as re-declared (date, runs \
        ended by then), keeps the earlier one, and the report's heading says so. threads-per-job.json records the \
        threads per run the comparison started with: another --threads-per-job (or "threadsPerJob") is refused while \
        any run folder exists, as the thread count changes the numerics and the arms of a seed would no longer be \
        bit-paired; --jobs may change freely. Each seed's arms stay on one machine: a local run that would train an \
        arm of a seed whose other runs (any invocation) ran on another CPU model or OpenBLAS kernel set is refused, \
        naming the seeds, runs and machines, as such a seed's paired differences would compare two machines; move \
        those runs aside to train them again here, or pass --allow-mixed-machines.

        --executor slurm writes one sbatch array script per submission under compare-<name>/slurm/ (one task per \
        run, threadsPerJob CPUs each), submits it and follows the tasks with squeue; interrupted tasks are \
        resubmitted and resume from their checkpoints, and the report is written when the last one ends.
        """
    )

    @Argument(help: "The comparison config (JSON, or YAML when it ends in .yaml/.yml).")
    var config: String

    @OptionGroup var shared: StudyRunOptions

    @Option(name: .long, help: "Folder that holds compare-<name>/.")
    var out: String = "results"

    @OptionGroup var cluster: ExecutorOptions

    @Flag(name: .long, help: "Only regenerate the report from the existing runs.")
    var reportOnly = false

    @Flag(name: .long, help: "With a pre-registered analysis and runs still missing: write the full report (tables, tests, plots) anyway, marked as an unblinded interim; without it the report shows progress only.")
    var unblind = false

    @Flag(name: .long, help: "Record the config's \"analysis\" although it differs from the one declared in analysis-declared.json: appended as re-declared (date, runs ended by then), the earlier declaration kept and named in REPORT.md.")
    var redeclareAnalysis = false

    @Flag(name: .long, help: "Train here although some seed's other arms ran on another CPU model or OpenBLAS kernel set, so that its paired differences compare runs of two machines (refused without it; the report names the mixed seeds).")
    var allowMixedMachines = false

    @Flag(name: .long, help: "Smoke check of a full-scale config: compare-<name>-smoke, first seed (two with an analysis), 1 epoch on 256 training images, width ≤ 8, ≤ 2 solver steps.")
    var smoke = false

    func run() throws {
        var compare: CompareConfig
        do { compare = try CompareConfig.load(from: URL(fileURLWithPath: config)) } catch { throw configFailure(config, error.description) }
        if let jobs = shared.jobs { compare.jobs = jobs }
        if smoke { compare = compare.smoke() }   // 1 thread per job, unless --threads-per-job says otherwise
        if let threadsPerJob = shared.threadsPerJob { compare.threadsPerJob = threadsPerJob }
        let layout = CompareLayout(root: URL(fileURLWithPath: out, isDirectory: true), name: compare.name)
        if !reportOnly {
            let dataRoot = try shared.dataRoot()
            let runner = CompareRunner(compare: compare, layout: layout)
            let say: @Sendable (String) -> Void = { line in StandardStreams.out(line + "\n") }
            let facts = [("data", dataRoot.path), cluster.fact(jobs: compare.jobs, threadsPerJob: compare.threadsPerJob)]
            let outcome = try cluster.withExecutor(for: runner.study, jobs: compare.jobs, dataRoot: dataRoot, say: say) { executor in
                do throws(CompareError) { return try runner.execute(commandLine: CommandLine.arguments, facts: facts, on: executor,
                                                                         redeclareAnalysis: redeclareAnalysis,
                                                                         allowMixedMachines: allowMixedMachines, say: say) } catch {
                    throw runFailure(error)
                }
            }
            switch outcome {
            case .finished: break
            case .submitted: return
            case .stopped:
                print("stopped; run the same command again to continue (completed runs are skipped, partial ones resume)")
                throw ExitCode(130)
            }
        }
        let table: CompareTable?
        do {
            if reportOnly, let line = try AnalysisDeclaration.record(compare, layout: layout, redeclare: redeclareAnalysis) { print(line) }
            table = try CompareReport.write(compare, layout: layout, unblind: unblind)
        } catch { throw runFailure(error) }
        if let table { print(table.markdown()) } else {
            print("runs are missing and the analysis is pre-registered: the report is blinded (progress only; --report-only --unblind shows the interim numbers)")
        }
        print("report: \(layout.report.path)")
    }
}
