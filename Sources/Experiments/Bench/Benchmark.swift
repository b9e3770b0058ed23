import Foundation
import TensorCore
import Stats
import Layers
import Models
import Training

/// Training and inference speed of the reference workloads on random data, measured the way
/// `bench/torch_anchor.py` measures PyTorch: SGD with momentum 0.9 and weight decay 5e-4, a
/// full step (forward, cross-entropy, backward, optimiser) per batch, multiply-accumulates
/// counted per layer and training counted as 3 × forward.
///
/// Everything is allocated before the clock starts (`Network.prepare`, the optimiser state, one
/// seeded random batch); warm-up steps run first, then each measured step is timed on its own and
/// the report gives medians. `masklab bench` runs each workload in a fresh child process so that
/// peak resident memory (VmHWM) belongs to one workload.
public enum Benchmark {
    /// One model at one batch size and sample shape.
    public struct Workload: Sendable {
        public let name: String
        public let model: String
        public let options: ModelOptions
        /// One sample, e.g. `[1, 28, 28]` (MNIST) or `[3, 32, 32]` (CIFAR-10).
        public let sampleShape: Shape
        public let batch: Int
        public let classes: Int
        /// An unstructured magnitude mask on the dense kernels (`StructuredWorkloads`): per tensor
        /// name the entries kept (largest |w| of the seeded initial weights), applied as a fixed
        /// mask is in training (W ⊙= m at the start and after each step, grad ⊙= m after backward).
        public var maskedCounts: [String: Int]? = nil
    }

    /// The workloads of issue 4, in report order.
    public static let workloads: [Workload] = [
        Workload(name: "mlp", model: "mlp", options: ModelOptions(), sampleShape: Shape(1, 28, 28), batch: 60, classes: 10),
        Workload(name: "resnet18-w16", model: "resnet18", options: ModelOptions(width: 16), sampleShape: Shape(3, 32, 32),
                 batch: 128, classes: 10),
        Workload(name: "resnet18-w64", model: "resnet18", options: ModelOptions(width: 64), sampleShape: Shape(3, 32, 32),
                 batch: 128, classes: 10),
    ]

    /// The workload called `name`, if any (`workloads` lists the valid names; a structured
    /// variant such as "resnet18-w64/pruned-0.5" or "DIR#pruned" is made by `StructuredWorkloads`).
    public static func workload(named name: String) -> Workload? {
        workloads.first { $0.name == name } ?? (try? StructuredWorkloads.variant(named: name))
    }

    /// Measures `workload` in this process: `warmup` unmeasured steps, then `steps` timed train
    /// steps and `steps` timed inference passes, on `threads` threads; `roundTrip` fixes the
    /// round trip of `Parallel.costModel` and `computeSpeedup` its compute speed-up (nil: measured). `beforeMeasuring` runs after the warm-up,
    /// right before the first measured step (`masklab bench --jobs` waits there for the other copies).
    /// With `layers`, `steps` more training steps then run with the `LayerClock` on
    /// (`BenchmarkResult.layers`); the figures above do not include them.
    public static func run(_ workload: Workload, steps: Int, warmup: Int = 3, threads: Int, seed: UInt64 = 0,
                           roundTrip: Int? = nil, computeSpeedup: Double? = nil, layers: Bool = false,
                           beforeMeasuring: () -> Void = {}) throws -> BenchmarkResult {
        precondition(steps >= 1 && warmup >= 0 && threads >= 1, "bench: steps \(steps), warmup \(warmup), threads \(threads)")
        Parallel.setThreads(threads)
        if let roundTrip { Parallel.fixRoundTrip(nanoseconds: roundTrip) }
        if let computeSpeedup { Parallel.fixComputeSpeedup(computeSpeedup) }
        let network = try ModelRegistry.make(workload.model, sampleShape: workload.sampleShape, classes: workload.classes,
                                             options: workload.options)
        network.store.initialise(streams: RandomStreams(seed: seed))
        let n = workload.batch
        network.prepare(batch: n)
        let optimizer = try SGD(store: network.store, momentum: 0.9, weightDecay: 5e-4)
        let masks = try StructuredWorkloads.magnitudeMasks(network, counts: workload.maskedCounts ?? [:])
        StructuredWorkloads.apply(masks, to: \.value)

        // One seeded batch: standard normal inputs (as torch.randn), uniform labels.
        let inputs = TensorStorage(count: n * workload.sampleShape.count)
        let rng = RandomStream(seed: seed &+ 1)
        for i in 0..<inputs.count { inputs.base[i] = Float(rng.gaussian()) }
        let x = inputs.tensor(Shape([n] + workload.sampleShape.dims))
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer { labels.deallocate() }
        for i in 0..<n { labels[i] = Int32(rng.integer(below: workload.classes)) }

        // y = net(x); loss; backward; SGD step — as Trainer.trainStep, timed by phase.
        func trainStep() -> (total: Double, forward: Double, backward: Double, optimizer: Double) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            network.store.zeroGradients()
            let logits = network.forward(x, mode: .training)
            _ = network.loss.forward(logits: logits, labels: labels)
            let t1 = DispatchTime.now().uptimeNanoseconds
            network.backward(network.loss.backward())
            StructuredWorkloads.apply(masks, to: \.grad)
            let t2 = DispatchTime.now().uptimeNanoseconds
            optimizer.step(learningRate: 0.01)
            StructuredWorkloads.apply(masks, to: \.value)
            let t3 = DispatchTime.now().uptimeNanoseconds
            return (Double(t3 - t0) * 1e-9, Double(t1 - t0) * 1e-9, Double(t2 - t1) * 1e-9, Double(t3 - t2) * 1e-9)
        }
        func evalStep() -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let logits = network.forward(x, mode: .inference)
            _ = network.loss.forward(logits: logits, labels: labels)
            return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        }

        for _ in 0..<warmup { _ = trainStep() }
        for _ in 0..<max(1, warmup / 2) { _ = evalStep() }
        // Five separate buffers (`fwd = train` would share one, and the first write would copy it
        // inside the measured loop, showing up as heap growth of 8 bytes per step per copy).
        func samples() -> [Double] { [Double](repeating: 0, count: steps) }
        var train = samples(), fwd = samples(), bwd = samples(), opt = samples(), eval = samples()
        beforeMeasuring()   // before the heap snapshot: waiting may allocate
        // The machine's CPU counters around the measured steps (and the placement probes just
        // before and after them), read outside the heap snapshot (reading /proc/stat allocates).
        let hostBefore = HostCPUTimes.now(), ownBefore = HostCPUTimes.processCPUSeconds()
        let tensorAllocations = TensorStorage.allocationCount
        let heap = ProcessMemory.heapInUseBytes()
        let roundTripBefore = Parallel.measureRoundTrip(), speedupBefore = Parallel.measureComputeSpeedup()
        let regions0 = Parallel.regionCounts
        let measuredFrom = Date().timeIntervalSince1970
        for s in 0..<steps { (train[s], fwd[s], bwd[s], opt[s]) = trainStep() }
        let trainMeasuredUntil = Date().timeIntervalSince1970
        let regions1 = Parallel.regionCounts
        for s in 0..<steps { eval[s] = evalStep() }
        let regions2 = Parallel.regionCounts, roundTripAfter = Parallel.measureRoundTrip()
        let speedupAfter = Parallel.measureComputeSpeedup()
        let heapAfter = ProcessMemory.heapInUseBytes()
        let allocationsInSteps = TensorStorage.allocationCount - tensorAllocations
        let ownAfter = HostCPUTimes.processCPUSeconds()
        var hostLoad: HostLoad?
        if let hostBefore, let ownBefore, let ownAfter, let hostAfter = HostCPUTimes.now() {
            hostLoad = HostLoad.between(hostBefore, hostAfter, ownCPUSeconds: ownAfter - ownBefore)
        }
        var layerTimes: BenchmarkResult.LayerTimes?
        if layers {
            _ = trainStep()   // after the inference passes: one untimed step brings the training buffers back into cache
            LayerClock.start()
            var total = 0.0
            for _ in 0..<steps { total += trainStep().total }
            layerTimes = BenchmarkResult.LayerTimes(steps: steps, stepSeconds: total / Double(steps), entries: LayerClock.stop())
        }

        let macs = network.forwardMACsPerSample
        let step = median(train), evalStep = median(eval)
        var result = BenchmarkResult(
            workload: workload.name, model: network.name, batch: n, threads: threads, steps: steps, warmup: warmup,
            parameters: network.parameterCount, forwardMACsPerSample: macs,
            trainStepSeconds: step, forwardSeconds: median(fwd), backwardSeconds: median(bwd), optimizerSeconds: median(opt),
            trainImagesPerSecond: Double(n) / step, trainGFLOPs: 6 * Double(macs) * Double(n) / step / 1e9,
            evalStepSeconds: evalStep, evalImagesPerSecond: Double(n) / evalStep,
            peakResidentBytes: ProcessMemory.peakResidentBytes(), liveTensorBytes: TensorStorage.liveBytes,
            tensorAllocationsInSteps: allocationsInSteps,
            heapBytesGrowthInSteps: heap.flatMap { h in heapAfter.map { $0 - h } },
            trainStepSamples: train, evalStepSamples: eval,
            measuredSpan: [measuredFrom, trainMeasuredUntil, Date().timeIntervalSince1970],
            threading: threads > 1 ? BenchmarkResult.Threading(
                roundTripNanoseconds: [roundTripBefore, roundTripAfter], roundTripFixed: roundTrip != nil,
                computeSpeedup: [speedupBefore, speedupAfter].compactMap { $0 }, computeSpeedupFixed: computeSpeedup != nil,
                trainRegionsPerStep: Double(regions1.regions - regions0.regions) / Double(steps),
                trainSpreadRegionsPerStep: Double(regions1.spread - regions0.spread) / Double(steps),
                evalRegionsPerStep: Double(regions2.regions - regions1.regions) / Double(steps),
                evalSpreadRegionsPerStep: Double(regions2.spread - regions1.spread) / Double(steps)) : nil)
        result.layers = layerTimes
        result.hostLoad = hostLoad
        return result
    }

    /// This machine's single-precision GEMM peak in GFLOP/s: the median of `repeats` OpenBLAS
    /// `sgemm` calls of `size`³ (2·size³ FLOP each) on `threads` threads, after one warm-up call.
    public static func sgemmPeak(threads: Int, size: Int = 2048, repeats: Int = 7) -> Double {
        Parallel.setThreads(threads)
        let a = TensorStorage(count: size * size), b = TensorStorage(count: size * size), c = TensorStorage(count: size * size)
        let rng = RandomStream(seed: 7)
        for i in 0..<a.count { a.base[i] = rng.uniform(-1, 1); b.base[i] = rng.uniform(-1, 1) }
        var times: [Double] = []
        for r in 0...repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            GEMM.multiply(m: size, n: size, k: size, a: a.base, b: b.base, c: c.base)
            if r > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9) }
        }
        return 2 * pow(Double(size), 3) / median(times) / 1e9
    }

    /// The median (mean of the middle two for an even count).
    public static func median(_ xs: [Double]) -> Double {
        precondition(!xs.isEmpty, "median of nothing")
        let s = xs.sorted(), m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }
}
