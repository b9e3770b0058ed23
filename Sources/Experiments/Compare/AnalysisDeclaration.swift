import Foundation
import Options

/// One declaration of a comparison's pre-registered analysis: the analysis as declared (in the
/// config's syntax), when, by which commit, and how far the study was at that moment.
/// `analysis-declared.json` in the comparison folder keeps every declaration, first to last.
///
/// An analysis is pre-registered only if it was fixed before its results could be seen, and a
/// config can be edited between two invocations (a margin widened after the runs ended turns
/// "inconclusive" into "equivalent"). So the first invocation that sees an analysis records it
/// with the number of runs that had ended; a later invocation whose config declares another
/// analysis is refused, naming what differs, unless it passes `--redeclare-analysis`, which
/// appends the new declaration and keeps the earlier ones. REPORT.md's primary heading says
/// "declared in the config before any run" only when the one declaration was recorded before
/// any run folder existed; otherwise it says when the analysis it uses was declared.
public struct AnalysisDeclaration: Codable, Sendable, Equatable {
    /// How a declaration came to be recorded.
    public enum Kind: String, Codable, Sendable {
        /// The first analysis a recording binary saw in this folder.
        case declared
        /// The first record of an analysis that an earlier binary already ran without recording
        /// it (the folder's `compare.json` held an analysis and runs existed): recorded at the
        /// moment this binary first saw it, not when it was written.
        case recordedLate = "recorded late"
        /// A changed analysis, recorded with `--redeclare-analysis`.
        case redeclared
    }

    public var kind: Kind
    /// The analysis as `CompareAnalysis.configValue` gives it.
    public var analysis: ConfigValue
    /// ISO 8601, UTC.
    public var date: String
    public var commit: String
    /// Runs of the comparison that had ended (completed or diverged) at that moment.
    public var runsEnded: Int
    /// Run folders that existed at that moment (started runs, ended or not).
    public var runsStarted: Int
    /// The comparison's runs (arms × seeds) at that moment.
    public var runs: Int

    public init(kind: Kind, analysis: ConfigValue, date: String, commit: String, runsEnded: Int, runsStarted: Int, runs: Int) {
        self.kind = kind
        self.analysis = analysis
        self.date = date
        self.commit = commit
        self.runsEnded = runsEnded
        self.runsStarted = runsStarted
        self.runs = runs
    }

    /// When in the study it was recorded: "before any run", "when 2 of 8 runs had started and
    /// none had ended", "after 5 of 8 runs had ended".
    public var moment: String {
        if runsStarted == 0 { return "before any run" }
        if runsEnded == 0 { return "when \(runsStarted) of \(runs) runs had started and none had ended" }
        return "after \(runsEnded) of \(runs) runs had ended"
    }

    /// Whether this is a declaration before any run (and not a late record).
    var isBeforeAnyRun: Bool { kind == .declared && runsStarted == 0 }

    // MARK: - The record

    /// The declarations in `layout`'s folder, first to last; nil when there is no record.
    public static func read(_ layout: CompareLayout) throws(CompareError) -> [AnalysisDeclaration]? {
        let url = layout.declarations
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let list = try JSONDecoder().decode([AnalysisDeclaration].self, from: Data(contentsOf: url))
            guard !list.isEmpty else { throw CocoaError(.fileReadCorruptFile) }
            return list
        } catch {
            throw .output(path: url.path, message: "cannot read the record of the declared analysis (\(error.localizedDescription)); "
                          + "it says when the analysis was declared: restore it (e.g. from version control) rather than delete it")
        }
    }

    /// Checks `compare`'s analysis against the record in `layout`'s folder and records it where
    /// the record lacks it (`check`, then `save`). Returns a line saying what was recorded, nil
    /// when nothing was.
    public static func record(_ compare: CompareConfig, layout: CompareLayout, redeclare: Bool) throws(CompareError) -> String? {
        guard let update = try check(compare, layout: layout, redeclare: redeclare) else { return nil }
        try save(update.declarations, layout)
        return update.line
    }

    /// What `record` writes: the declarations the record should hold and a line saying what
    /// changed, nil when the record is current. Writes nothing.
    ///
    /// - No record, the config declares an analysis, the folder exists: the analysis is recorded
    ///   with the runs ended and started now (`recordedLate` when the folder's `compare.json`,
    ///   written by an earlier invocation, already held an analysis and runs exist).
    /// - A record whose last analysis equals the config's: nothing to do.
    /// - Another analysis: refused (`CompareError.analysisChanged`, naming each difference)
    ///   unless `redeclare`, which appends it as `redeclared`. An analysis removed from the
    ///   config is refused either way: a declared analysis cannot be withdrawn.
    ///
    /// Smoke runs (`compare.shrunk`) record nothing and are never refused.
    static func check(_ compare: CompareConfig, layout: CompareLayout, redeclare: Bool) throws(CompareError) -> (declarations: [AnalysisDeclaration], line: String)? {
        guard compare.shrunk == nil, FileManager.default.fileExists(atPath: layout.directory.path) else { return nil }
        let now = compare.analysis?.configValue
        let declared = try read(layout) ?? []
        if let last = declared.last, let now, same(last.analysis, now) { return nil }
        let progress = progress(compare, layout: layout)
        let provenance = Provenance.current()
        func declaration(_ kind: Kind, _ analysis: ConfigValue) -> AnalysisDeclaration {
            AnalysisDeclaration(kind: kind, analysis: analysis, date: provenance.date,
                                commit: provenance.commit + (provenance.dirty ? " (with uncommitted changes)" : ""),
                                runsEnded: progress.ended, runsStarted: progress.started, runs: progress.runs)
        }
        let file = layout.declarations.lastPathComponent
        guard let last = declared.last else {
            guard let now else { return nil }
            let d = declaration(progress.started > 0 && earlierConfigDeclaredAnalysis(layout) ? .recordedLate : .declared, now)
            return ([d], d.kind == .recordedLate
                ? "analysis recorded in \(file) \(d.moment) (the study began without a record of its analysis)"
                : "analysis declared \(d.moment): recorded in \(file)")
        }
        guard let now, redeclare else {
            throw .analysisChanged(path: layout.directory.path, declared: last.summary, differences: differences(last.analysis, now ?? .null),
                                   withdrawn: now == nil, runsEnded: progress.ended, runs: progress.runs)
        }
        let d = declaration(.redeclared, now)
        return (declared + [d], "analysis re-declared \(d.moment): appended to \(file) (the earlier declaration is kept; REPORT.md names both)")
    }

    /// "declared on 2026-11-29T20:01:02Z before any run, commit 1a2b3c" ("recorded", "re-declared").
    var summary: String {
        "\(kind == .redeclared ? "re-declared" : kind == .recordedLate ? "recorded" : "declared") on \(date) \(moment), commit \(commit)"
    }

    static func save(_ declarations: [AnalysisDeclaration], _ layout: CompareLayout) throws(CompareError) {
        try CompareReport.saveJSON(declarations, layout.declarations)
    }

    /// How many of `compare`'s runs have ended (completed or diverged) and how many run folders
    /// exist, of how many runs.
    static func progress(_ compare: CompareConfig, layout: CompareLayout) -> (ended: Int, started: Int, runs: Int) {
        var ended = 0, started = 0
        for arm in compare.arms {
            for seed in compare.seeds {
                let run = layout.run(arm: arm.name, seed: seed)
                if FileManager.default.fileExists(atPath: run.directory.path) { started += 1 }
                let status = RunFolder.status(of: run)
                if status == .completed || status == .nonFinite { ended += 1 }
            }
        }
        return (ended, started, compare.arms.count * compare.seeds.count)
    }

    /// Whether the folder's `compare.json` (the config of the latest earlier invocation) declares an analysis.
    static func earlierConfigDeclaredAnalysis(_ layout: CompareLayout) -> Bool {
        guard let value = try? ConfigText.load(path: layout.config.path) else { return false }
        return value.object?["analysis"] != nil
    }

    // MARK: - Differences

    /// Whether two analyses in config syntax are the same (numbers compared by value, so
    /// `0.01` and `1e-2` are equal).
    static func same(_ a: ConfigValue, _ b: ConfigValue) -> Bool {
        switch (a, b) {
        case let (.number(x), .number(y)): return x == y || (Double(x).map { $0 == Double(y) } ?? false)
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case let (.object(x), .object(y)): return Set(x.keys) == Set(y.keys) && x.allSatisfy { k, v in y[k].map { same(v, $0) } ?? false }
        default: return a == b
        }
    }

    /// One line per top-level key whose value differs: "margin: declared 0.01, this config 0.05"
    /// (`labels` name the two sides).
    static func differences(_ declared: ConfigValue, _ now: ConfigValue, labels: (String, String) = ("declared", "this config")) -> [String] {
        let a = declared.object ?? [:], b = now.object ?? [:]
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            switch (a[key], b[key]) {
            case let (x?, y?) where same(x, y): return nil
            case let (x, y): return "\(key): \(labels.0) \(x.map { "\($0)" } ?? "nothing"), \(labels.1) \(y.map { "\($0)" } ?? "nothing")"
            }
        }
    }

    // MARK: - In the report

    /// The heading of the report's primary section, and a paragraph (empty or ending in a blank
    /// line) saying when the analysis was declared, with every earlier declaration.
    static func reportText(_ declarations: [AnalysisDeclaration]?, smoke: Bool) -> (heading: String, note: String) {
        if smoke { return ("Primary analysis (as declared in the smoke config; a smoke run records no declaration)", "") }
        guard let declarations, let first = declarations.first, let last = declarations.last else {
            return ("Primary analysis (declared in the config; `analysis-declared.json` is missing, so when is not on record)", "")
        }
        let recorded = "Recorded in `analysis-declared.json` on \(last.date), commit \(last.commit)"
        if declarations.count == 1 {
            switch first.kind {
            case _ where first.isBeforeAnyRun:
                return ("Primary analysis (declared in the config before any run)", recorded + ".\n\n")
            case .recordedLate:
                return ("Primary analysis (recorded on \(first.date) \(first.moment))",
                        recorded + ". **Not a declaration before any run:** the study was begun by a binary that did not record its "
                        + "analysis, so this is the analysis the config held when one that does first saw the study, "
                        + "\(first.moment) (\(first.runsStarted) run folders existed).\n\n")
            default:
                return ("Primary analysis (declared \(first.moment))",
                        recorded + ". **Not a declaration before any run:** the analysis was added to the config \(first.moment); "
                        + "the results of the runs that had started could already be seen.\n\n")
            }
        }
        let origin = first.isBeforeAnyRun ? "before any run" : first.summary.replacingOccurrences(of: ", commit \(first.commit)", with: "")
        var note = recorded + ". **Not the analysis declared first:** it was re-declared (`--redeclare-analysis`) \(last.moment), "
        note += "when results of the study could already be seen. Earlier declarations, first to last, and how each differs from the one used:\n\n"
        for d in declarations.dropLast() {
            note += "- \(d.summary): " + differences(d.analysis, last.analysis, labels: ("then", "used here")).joined(separator: "; ") + "\n\n"
            note += "  ```json\n  \(d.analysis)\n  ```\n"
        }
        return ("Primary analysis (re-declared on \(last.date) \(last.moment); first declaration: \(origin))", note + "\n")
    }
}
