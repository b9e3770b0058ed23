import ArgumentParser
import Foundation
import Experiments

/// `masklab diff A B`: what differs between two runs' configurations.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show the settings that differ between two runs (key path: A → B).",
        discussion: """
        A and B are run folders (their config.json; lottery.json or compare.json where there is no \
        config.json) or config files. Defaults are spelled out before comparing, so a key omitted in \
        one file and set to its default in the other is not a difference. A run against a lottery is \
        compared with the lottery's "run" block. A run against a comparison is compared with the run \
        that comparison makes of the run's arm at its seed (the arm's masks, threadsPerJob threads): \
        the arm its folder names (runs/ARM/seed-N), else the closest arm; a comparison folder also \
        brings the thread count it started with and --smoke's shrinking. The third line of the \
        output says what was compared. \
        Exit status 0 whether or not they differ; 64 for a file that cannot be a configuration (a \
        run's metrics.csv or summary.json); 1 when a path is missing or its configuration cannot be read.
        """
    )

    @Argument(help: "The first run folder or config file.")
    var a: String

    @Argument(help: "The second run folder or config file.")
    var b: String

    func run() throws {
        let differences: [ConfigDiff.Difference]
        let note: String?
        // A file that cannot be a configuration (a run's metrics.csv or summary.json) is a wrong argument (64).
        for path in [a, b] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               let problem = ConfigDiff.notAConfiguration(URL(fileURLWithPath: path)) {
                throw UsageFailure("\(path): \(problem)")
            }
        }
        do {
            let (x, y, n) = ConfigDiff.aligned(try ConfigDiff.load(a), try ConfigDiff.load(b), pathA: a, pathB: b)
            differences = ConfigDiff.differences(x, y)
            note = n
        } catch {
            throw CommandFailure(error.description)
        }
        print("A: \(a)\nB: \(b)")
        if let note { print("comparing \(note)") }
        if differences.isEmpty {
            print("no differences")
        } else {
            for d in differences { print(d.line) }
        }
    }
}
