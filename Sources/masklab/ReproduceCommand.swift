import ArgumentParser
import Foundation
import Datasets
import Training
import Experiments

/// `masklab reproduce`: trains a run folder's config again and compares the two value by value.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Train a run folder's config again and check that its metrics come out bit-identical.",
        discussion: """
        RUN is the folder of a `train` run, one run of a comparison or sweep (runs/ARM/seed-N), or \
        a lottery level (LOTTERY/level_NN, or a branch LOTTERY/level_NN/reinit|random: trained with \
        the lottery's settings, the level's mask and the start weights of its arm and reset; a \
        missing mask.safetensors is rebuilt for level 0 and random branches). Its config.json (the \
        whole resolved config, thread count included) is trained again into a new or empty folder, \
        a temporary one unless --out is given, through every epoch the run recorded or only the \
        first --epochs of them; the schedule still spans the whole budget, the run is just \
        stopped. Then every record the run holds among \(RunReproduction.comparedFiles.joined(separator: ", ")) \
        is compared value by value, timing columns left out (metrics.csv, validation.csv and \
        level.json hold full-precision floats; the mask and importance logs rounded ones). A reproduction of the \
        first epochs cuts each record at that epoch (or at its last iteration, for validation.csv); \
        records with neither column, and level.json, are compared only for a whole run.

        Exit status: 0 when every value is identical; 2 when one differs (the count, the first \
        difference and the largest relative difference are shown, and the reproduction's folder \
        is kept); 64 for a setting the run's records refuse (--epochs beyond them, --init-from for a run that \
        started from none); 1 on another error; 130 when stopped by Ctrl-C or SIGTERM (nothing is compared).

        Bits are expected to match for the same code, CPU model and OpenBLAS kernel set (set \
        OPENBLAS_CORETYPE to the run's kernel set to use it). The command shows where the run \
        ran (every invocation of a resumed run) beside this binary, and says when they differ.
        """
    )

    @Argument(help: ArgumentHelp("The run folder to reproduce.", valueName: "run"))
    var folder: String

    @Option(name: .long, help: "Reproduce only the first N epochs (default: every epoch the run recorded).")
    var epochs: Int?

    @Option(name: .long, help: "Data folder (default: $MASKLAB_DATA, ./data or ../shared/data).")
    var data: String?

    @Option(name: .long, help: "Folder for the reproduction (default: a temporary folder, removed when everything is identical).")
    var out: String?

    @Flag(name: .long, help: "Keep the temporary folder even when everything is identical.")
    var keep = false

    @Option(name: .long, help: ArgumentHelp("The weights the run started from, when its command line's --init-from file is elsewhere now.", valueName: "file"))
    var initFrom: String?

    @Flag(name: .long, help: "No per-epoch lines.")
    var quiet = false

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") }
        // --out must be new or empty: refused before anything is printed about it.
        if let out, let names = try? FileManager.default.contentsOfDirectory(atPath: out), !names.isEmpty {
            throw ValidationError("--out \(out) already holds files; give a new or empty folder (nothing was changed)")
        }
    }

    func run() throws {
        let plan: RunReproduction.Plan
        do {
            plan = try RunReproduction.plan(folder: URL(fileURLWithPath: folder, isDirectory: true), epochs: epochs,
                                            initFrom: initFrom.map { URL(fileURLWithPath: $0) })
        } catch {
            // A setting the run's records refuse (--epochs beyond them, --init-from a run that had none) is a wrong setting.
            if case let .config(path, _) = error, path.hasPrefix("--") { throw UsageFailure(error.description) }
            throw CommandFailure(error.description)
        }
        let dataRoot: URL
        do { dataRoot = try DataLocator.resolve(explicit: data) } catch { throw CommandFailure(error.description) }
        let temporary = out == nil
        let copy = out.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("masklab-reproduce-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        let layout = RunLayout(directory: copy)

        let here = RunOrigin.current
        // A level's config has no mask setting: its mask comes from the level's file.
        let synopsis = plan.lottery.map { "lottery level \($0.level) (\($0.arm)): " + plan.config.synopsis.replacingOccurrences(of: " · no mask · ", with: " · the level's mask · ") }
            ?? plan.config.synopsis
        print("reproducing \(plan.original.directory.path): \(synopsis)")
        let epochs = plan.recordedEpochs == 1 ? "1 epoch" : "\(plan.recordedEpochs) epochs"
        print(plan.stopAfter.map { ($0 == 1 ? "epoch 1" : "epochs 1–\($0)") + " of the \(epochs) the run recorded (the whole budget's schedule, stopped after epoch \($0))" }
              ?? "all \(epochs) the run recorded")
        if let writer = plan.writer { print("note: the run is being written now by \(writer); only the epochs it has recorded are compared") }
        for (i, origin) in plan.origins.enumerated() {
            print((i == 0 ? "run:          " : "  earlier:    ") + origin.description)
        }
        print("this binary:  " + here.description)
        let expectation = Self.expectation(origins: plan.origins, here: here)
        if let expectation { print("note: " + expectation) }
        print("reproduction: \(copy.path)" + (temporary ? (keep ? " (kept)" : " (removed if identical)") : ""))
        fflush(nil)

        let control = TrainingControl()
        let interrupted = Interrupted()
        // A second Ctrl-C, which exits at once, removes a temporary reproduction too.
        if temporary && !keep { TemporaryFolders.register(copy) }
        let interrupt = InterruptHandler(stopping: "stopping after this step; nothing is compared") {
            interrupted.set()
            control.requestStop(checkpoint: false)
        }
        defer { interrupt.cancel() }
        let display = ProgressDisplay(quiet: quiet)
        /// Removes a temporary reproduction unless it is to be kept, or says where it is.
        /// After a failure, a folder that was there before is not called a reproduction: it may be
        /// another run that --out named and the reproduction refused to touch.
        let existedBefore = FileManager.default.fileExists(atPath: copy.path)
        func discard(failed: Bool = false) {
            if temporary && !keep { TemporaryFolders.remove(copy) } else if !failed || !existedBefore {
                print("reproduction kept in \(copy.path)")
            }
        }
        do {
            try RunReproduction.run(plan, dataRoot: dataRoot, out: layout, commandLine: CommandLine.arguments, callbacks: [display],
                                    control: control, note: display.note)
        } catch {
            discard(failed: true)
            throw runFailure(error)
        }
        if interrupted.value {
            discard()
            print("interrupted: nothing compared")
            throw ExitCode(130)
        }

        let comparisons = RunReproduction.compare(original: plan.original.directory, reproduced: copy, throughEpoch: plan.stopAfter)
        for c in comparisons { print(c.line) }
        let identical = comparisons.allSatisfy(\.identical)
        let through = plan.stopAfter.map { "through epoch \($0)" } ?? "over all \(epochs)"
        if identical {
            let values = comparisons.reduce(0) { $0 + $1.values }, files = comparisons.filter { $0.compared }.count
            print("identical \(through): \(values) values in \(counted(files, "file"))")
            discard()
        } else {
            print("DIFFERENT \(through)" + (expectation == nil ? "" : " (see the note above)") + "; reproduction kept in \(copy.path)")
            throw ExitCode(2)
        }
    }

    /// Why bits may differ here (another CPU model or kernel set, uncommitted code, or a run made
    /// by several binaries), or nil when the code and hardware match.
    static func expectation(origins: [RunOrigin], here: RunOrigin) -> String? {
        var reasons: [String] = []
        let differences = here.hardwareDifferences(fromAny: origins)
        if !differences.isEmpty {
            reasons.append("the run ran on other hardware or kernels (\(differences.joined(separator: "; "))), and bits match only on the same ones")
        }
        if origins.contains(where: { $0.commit != here.commit }) {
            reasons.append("the run was made by another commit: a kernel changed since then gives other last bits")
        }
        if here.commit.contains("uncommitted") { reasons.append("this binary has uncommitted changes") }
        if Set(origins.map(\.description)).count > 1 { reasons.append("the run was resumed by more than one binary or machine") }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}

/// Set once by the signal handler's queue, read after the run.
private final class Interrupted: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}
