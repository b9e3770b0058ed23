import Layers
import Foundation
import Options
import TensorCore
import Importance

/// `importance`: DropConnect with keep probabilities from a learned per-weight importance
/// (docs/importance.md, "impacts"; with λ > 0 "impacts+reg").
///
/// At iterations 0, T, 2T, … (T = `refreshEpochs` × iterations per epoch, or
/// `refreshIterations`) the `ImportanceSolver` relearns w for every masked tensor from
/// `batches` training batches (its own seeded order) and the keep probabilities become
/// p = clip(c·w, p_min, 1) with mean q per tensor (`KeepProbabilities`) — or, with
/// `importance.use = drop`, p = 1 − clip(c·w, 0, 1 − p_min) with the same mean q (the
/// important weights dropped most); every step draws a
/// mask from p (Bernoulli or exact-k). Until the first refresh — none before iteration 0 —
/// p = q. Each refresh appends per-tensor statistics to `importance.csv` and fixed-bin
/// histograms of log₁₀ w to `importance_histograms.csv` in the run folder.
public final class ImportanceDropConnect: PerStepMask {
    public let name = "importance"
    public let config: MaskConfig
    public private(set) var solver: ImportanceSolver?
    private var batches: SolverBatches?
    private var period = 0
    private var hasData = false
    /// Refreshes done so far (the solver batches of refresh r come from the loader's epoch r).
    public private(set) var refreshes = 0
    /// The last solve's report.
    public private(set) var lastReport: SolveReport?
    private var rows: [MaskLogRow] = []

    public static let statsFile = "importance.csv", histogramFile = "importance_histograms.csv"

    public init(config: MaskConfig) { self.config = config }

    public var logFiles: [String] { [Self.statsFile, Self.histogramFile] }

    public func start(_ run: MaskRun, restored: [HookState]?) throws(MaskError) {
        let masks = run.masks
        guard !masks.parameters.isEmpty else { return }
        let network = run.network
        let s = ImportanceSolver(network: network, targets: masks.parameters, config: config.importance)
        solver = s
        hasData = run.trainingSet != nil
        batches = SolverBatches(dataset: run.trainingSet, capacity: hasData ? config.importance.batches : 1,
                                batchSize: run.batchSize, sampleShape: network.sampleShape, seed: run.seed)
        period = config.importance.refreshPeriod(iterationsPerEpoch: run.iterationsPerEpoch)
        if let restored {
            let logW = try restored.floats("importance", count: s.totalCount)
            s.logImportance.tensor(Shape(s.totalCount)).copy(from: logW)
            let saved = try restored.integers("refreshes").first ?? 0
            guard (0...Int64(Int32.max)).contains(saved) else { throw .state("'refreshes' is \(saved), expected 0...\(Int32.max)") }
            refreshes = Int(saved)
        } else {
            s.logImportance.tensor(Shape(s.totalCount)).fill(0)
            refreshes = 0
        }
        updateKeep(masks)
    }

    /// Whether iteration `t` begins with a refresh.
    public func refreshDue(_ t: Int) -> Bool { period > 0 ? t % period == 0 : t == 0 }

    public func sample(_ step: TrainingStep, run: MaskRun) {
        guard solver != nil else { return }
        if refreshDue(step.iteration) { refresh(step, masks: run.masks) }
        run.masks.draw()
    }

    /// Relearns the importance now (on the solver batches, or on this step's batch when the
    /// sampler has no training set) and updates the keep probabilities.
    public func refresh(_ step: TrainingStep, masks: MaskSet) {
        guard let solver, let batches else { return }
        if hasData {
            batches.fill(round: refreshes)
        } else {
            batches.removeAll()
            batches.append(inputs: step.inputs, labels: step.labels, count: step.count)
        }
        let report = solver.solve(on: batches, gamma: config.importance.gamma ?? Double(step.learningRate))
        lastReport = report
        updateKeep(masks)
        log(step, report: report, masks: masks)
        refreshes += 1
    }

    private func updateKeep(_ masks: MaskSet) {
        guard let solver else { return }
        for i in masks.parameters.indices {
            let q = masks.targetKeepRate(i)
            let logW = UnsafeBufferPointer(solver.logImportance(i).buffer), p = masks.keepProbabilities(i).buffer
            switch config.importance.use {
            case .keep: KeepProbabilities.solve(logW: logW, keepRate: q, minimum: min(config.minKeep, q), into: p)
            case .drop: KeepProbabilities.solveDrop(logW: logW, keepRate: q, minimum: min(config.minKeep, q), into: p)
            }
            masks.expectedKeptCounts[i] = masks.sumKeepProbabilities(i)
        }
    }

    private func log(_ step: TrainingStep, report: SolveReport, masks: MaskSet) {
        guard let solver else { return }
        let statsHeader = "iteration,epoch,refresh,tensor,entries,kl,entropy,top1,top10,min_w,max_w,mean_keep,min_keep,max_keep,scale,objective_before,objective_after,seconds,"
            + "kl_from_start,phi_solve_before,phi_solve_after,phi_heldout_before,phi_heldout_after,share_p1,share_pmin,eta_final,rejected_steps,stopped_early"
        let histHeader = "iteration,epoch,refresh,tensor,log10w_low,log10w_high,count"
        let edges = ImportanceStats.histogramEdges
        for i in masks.parameters.indices {
            let st = ImportanceStats(logW: UnsafeBufferPointer(solver.logImportance(i).buffer))
            let p = masks.keepProbabilities(i).buffer
            var pmin = Float.infinity, pmax = -Float.infinity
            for x in p { pmin = min(pmin, x); pmax = max(pmax, x) }
            let shares = KeepProbabilities.shares(UnsafeBufferPointer(p), minimum: min(config.minKeep, masks.targetKeepRate(i)))
            let prefix = "\(step.iteration),\(step.epoch + 1),\(refreshes),\(masks.parameters[i].name)"
            let line = prefix + "," + [String(st.count), fmt(st.kl), fmt(st.entropy), fmt(st.top1), fmt(st.top10), fmt(st.minimum),
                                       fmt(st.maximum), fmt(masks.expectedKeptCounts[i] / Double(st.count)), fmt(Double(pmin)), fmt(Double(pmax)),
                                       fmt(Double(report.scales[i])), fmt(report.objectiveBefore[i]), fmt(report.objectiveAfter[i]),
                                       fmt(report.seconds), fmt(report.klFromStart[i]), fmt(report.solveBefore[i]), fmt(report.solveAfter[i]),
                                       fmt(report.heldOutBefore[i]), fmt(report.heldOutAfter[i]),
                                       fmt(shares.atOne), fmt(shares.atMinimum),
                                       fmt(report.finalEta[i]), String(report.rejectedSteps[i]), report.stoppedEarly[i] ? "1" : "0"].joined(separator: ",")
            rows.append(MaskLogRow(file: Self.statsFile, header: statsHeader, key: step.iteration, line: line))
            rows.append(MaskLogRow(file: Self.histogramFile, header: histHeader, key: step.iteration, line: prefix + ",-inf,\(edges[0]),\(st.underflow)"))
            for b in 0..<st.histogram.count {
                rows.append(MaskLogRow(file: Self.histogramFile, header: histHeader, key: step.iteration,
                                       line: prefix + ",\(edges[b]),\(edges[b + 1]),\(st.histogram[b])"))
            }
            rows.append(MaskLogRow(file: Self.histogramFile, header: histHeader, key: step.iteration, line: prefix + ",\(edges[edges.count - 1]),inf,\(st.overflow)"))
        }
    }

    private func fmt(_ x: Double) -> String { String(format: "%.6g", x) }

    public func takeLogRows() -> [MaskLogRow] {
        defer { rows.removeAll() }
        return rows
    }

    public func state(_ run: MaskRun) -> [HookState] {
        guard let solver else { return [] }
        return [HookState(name: "importance", .floats(solver.logImportance.tensor(Shape(solver.totalCount)).toArray())),
                HookState(name: "refreshes", .integers([Int64(refreshes)]))]
    }

    public static let entry = MaskSamplerEntry(name: "importance", summary: "importance DropConnect: p = clip(c·w, p_min, 1), w by mirror descent (impacts; λ > 0: impacts+reg)",
                                                 reads: MaskSamplerEntry.perStepReads + ["minKeep", "importance"]) { c throws(MaskError) in
        ImportanceDropConnect(config: c)
    }
}

// MARK: - Options

extension ImportanceDropConnect {
    /// The importance sampler's options, keys relative to "masks": the clip p_min and the solver's options.
    public static var options: [ConfigOption<MaskConfig>] {
        [.value("minKeep", \MaskConfig.minKeep, flag: "min-keep", .double, .within(0, 1),
                help: "Lower clip p_min of importance keep probabilities (≤ keep)."),
         ConfigOption<ImportanceConfig>.value("use", \.use, flag: "importance-use", .choice,
                help: "keep: p = clip(c·w, p_min, 1); drop: importance is the drop probability, p = 1 − clip(c·w, 0, 1 − p_min), same mean keep.")
            .under("importance", \MaskConfig.importance)]
            + ImportanceConfig.options.map { $0.under("importance", \MaskConfig.importance) }
    }
}
