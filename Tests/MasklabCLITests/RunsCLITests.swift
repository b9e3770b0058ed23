import XCTest
import Foundation
import TestSupport

/// `masklab runs` on real run folders: status from summary.json and the lock, --sort,
/// --filter on columns and config keys, --json, --csv, and clear errors.
final class RunsCLITests: XCTestCase {
    private func masklab(_ args: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(args, timeout: 240)
    }

    private func setStatus(_ status: String, in run: URL) throws {
        let url = run.appendingPathComponent("summary.json")
        var summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        summary["status"] = status
        try JSONSerialization.data(withJSONObject: summary).write(to: url)
    }

    private func copyRun(_ from: URL, to: URL) throws {
        try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: from, to: to)
    }

    func testListsStatusesSortsFiltersAndFormats() throws {
        let data = TemporaryDirectory("masklab-runs-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let results = TemporaryDirectory("masklab-runs-results")
        let base = ["train", "--data", data.path, "--batch-size", "32", "--hidden", "16", "--threads", "1"]
        let a = try masklab(base + ["--epochs", "1", "--seed", "1", "--out", results.file("a").path])
        XCTAssertEqual(a.status, 0, "\(a)")
        let b = try masklab(base + ["--epochs", "2", "--seed", "2", "--mask", "dropconnect", "--out", results.file("sweep/b").path])
        XCTAssertEqual(b.status, 0, "\(b)")
        // The other statuses, from copies: stopped → interrupted, nonFinite → failed, no summary → interrupted.
        try copyRun(results.file("a"), to: results.file("sweep/stopped"))
        try setStatus("stopped", in: results.file("sweep/stopped"))
        try copyRun(results.file("a"), to: results.file("sweep/nan"))
        try setStatus("nonFinite", in: results.file("sweep/nan"))
        try copyRun(results.file("a"), to: results.file("killed"))
        try FileManager.default.removeItem(at: results.file("killed/summary.json"))
        // A live writer: a process holding the folder's lock (flock, as masklab takes it).
        try copyRun(results.file("a"), to: results.file("live"))
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["-x", results.file("live/.lock").path, "cat"]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()   // cat ends, flock releases the lock
            holder.waitUntilExit()
        }
        try "pid \(holder.processIdentifier)\ncommand masklab train\n".write(to: results.file("live/.lock"), atomically: false, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.3)

        let table = try masklab(["runs", results.path])
        XCTAssertEqual(table.status, 0, "\(table)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 7, table.stdout)
        XCTAssertTrue(lines[0].hasPrefix("NAME") && lines[0].contains("STATUS") && lines[0].contains("BEST"), lines[0])
        func line(_ name: String) -> String { lines.first { $0.hasPrefix(name + " ") } ?? "" }
        XCTAssertTrue(line("a").contains("completed") && line("a").contains("1/1") && line("a").contains("none"), line("a"))
        XCTAssertTrue(line("sweep/b").contains("dropconnect") && line("sweep/b").contains("2/2"), line("sweep/b"))
        XCTAssertTrue(line("sweep/stopped").contains("interrupted"), line("sweep/stopped"))
        XCTAssertTrue(line("sweep/nan").contains("failed"), line("sweep/nan"))
        XCTAssertTrue(line("killed").contains("interrupted") && line("killed").contains("1/1"), "epochs from metrics.csv: \(line("killed"))")
        XCTAssertTrue(line("live").contains("running (pid \(holder.processIdentifier))"), line("live"))

        let json = try masklab(["runs", results.path, "--json", "--filter", "status=completed", "--sort", "epochs", "--descending"])
        XCTAssertEqual(json.status, 0, "\(json)")
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["name"] as? String }, ["sweep/b", "a"])
        XCTAssertEqual(entries.first?["epochs"] as? Int, 2)
        let summaryB = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: results.file("sweep/b/summary.json"))) as? [String: Any])
        XCTAssertEqual(entries.first?["bestTestAccuracy"] as? Double, summaryB["bestTestAccuracy"] as? Double)

        let csv = try masklab(["runs", results.path, "--csv", "--filter", "seed=2"])
        XCTAssertEqual(csv.status, 0, "\(csv)")
        let rows = csv.stdout.split(separator: "\n")
        XCTAssertEqual(rows.first, "name,model,dataset,masks,status,pid,epochs,planned_epochs,final_test_accuracy,best_test_accuracy,seconds")
        XCTAssertEqual(rows.count, 2, csv.stdout)
        XCTAssertTrue(rows.last?.hasPrefix("sweep/b,mlp,mnist,dropconnect,completed,,2,2,") ?? false, csv.stdout)

        // EPOCHS as the table shows it (done/planned).
        let shown = try masklab(["runs", results.path, "--csv", "--filter", "epochs=2/2"])
        XCTAssertEqual(shown.stdout.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }, ["sweep/b"], shown.stdout)
        let none = try masklab(["runs", results.path, "--filter", "masks=importance"])
        XCTAssertEqual(none.status, 0, "\(none)")
        XCTAssertTrue(none.stdout.contains("no run folders"), none.stdout)

        let badKey = try masklab(["runs", results.path, "--filter", "colour=red"])
        XCTAssertNotEqual(badKey.status, 0)
        XCTAssertTrue(badKey.stderr.contains("unknown key 'colour'") && badKey.stderr.contains("status"), badKey.stderr)
        let badSort = try masklab(["runs", results.path, "--sort", "speed"])
        XCTAssertNotEqual(badSort.status, 0)
        XCTAssertTrue(badSort.stderr.contains("valid keys"), badSort.stderr)
        let missing = try masklab(["runs", results.file("nowhere").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no such folder"), missing.stderr)
    }

    /// Found by a new user: a truncated summary.json listed a completed run as "interrupted 2/2",
    /// a run folder without config.json was left out silently, and a junk metrics row was
    /// skipped silently. Each is now named on standard error, and the listing says "unknown".
    func testDamagedFoldersAreNamedNotHidden() throws {
        let data = TemporaryDirectory("masklab-runs-damage-data")
        try DatasetFixtures.writeMNIST(to: data.url, train: 240, test: 60, gzipped: true)
        let results = TemporaryDirectory("masklab-runs-damage")
        let t = try masklab(["train", "--data", data.path, "--batch-size", "32", "--hidden", "16", "--threads", "1", "--epochs", "2",
                             "--out", results.file("good").path])
        XCTAssertEqual(t.status, 0, "\(t)")
        let fm = FileManager.default
        try copyRun(results.file("good"), to: results.file("truncated"))
        let summary = try Data(contentsOf: results.file("truncated/summary.json"))
        try summary.prefix(summary.count / 2).write(to: results.file("truncated/summary.json"))
        try copyRun(results.file("good"), to: results.file("noconfig"))
        try fm.removeItem(at: results.file("noconfig/config.json"))
        try copyRun(results.file("good"), to: results.file("junk"))
        try fm.removeItem(at: results.file("junk/summary.json"))
        let metrics = results.file("junk/metrics.csv")
        try (try String(contentsOf: metrics, encoding: .utf8) + "3,oops\n").write(to: metrics, atomically: true, encoding: .utf8)
        let before = try RunFolderCLITests.snapshot(results.url)

        let r = try masklab(["runs", results.path])
        XCTAssertEqual(r.status, 0, "\(r)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        func line(_ name: String) -> String { lines.first { $0.hasPrefix(name + " ") } ?? "" }
        XCTAssertTrue(line("good").contains("completed"), r.stdout)
        XCTAssertTrue(line("truncated").contains("unknown"), "not 'interrupted': \(line("truncated"))")
        XCTAssertEqual(line("noconfig"), "", "a folder without its config is not listed: \(r.stdout)")
        XCTAssertTrue(line("junk").contains("interrupted") && line("junk").contains("2/2"), line("junk"))
        XCTAssertTrue(r.stderr.contains("warning: \(results.file("truncated/summary.json").path): cannot be read as JSON"), r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: \(results.file("noconfig").path): not listed: it holds summary.json, metrics.csv, last.safetensors but it has no config.json"), r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: \(metrics.path): line 4 cannot be read"), r.stderr)
        XCTAssertFalse(r.stderr.contains("good"), "an intact run gets no warning: \(r.stderr)")
        XCTAssertEqual(try RunFolderCLITests.snapshot(results.url), before, "runs changes nothing")
    }
}
