import Layers

/// What `masklab bench` measures for one workload (one fresh process each), all medians over
/// the measured steps after warm-up.
public struct BenchmarkResult: Codable, Sendable {
    /// Workload name (`mlp`, `resnet18-w16`, `resnet18-w64`) and the model it builds.
    public var workload: String
    public var model: String
    public var batch: Int
    public var threads: Int
    /// Measured steps (after `warmup` unmeasured ones).
    public var steps: Int
    public var warmup: Int
    public var parameters: Int
    /// Forward multiply-accumulates per sample (`Layer.forwardMACsPerSample`).
    public var forwardMACsPerSample: Int

    /// Median seconds of a full SGD step (zero gradients, forward, loss, backward, optimiser).
    public var trainStepSeconds: Double
    /// Median seconds of its phases (each a median on its own, so they need not add up exactly).
    public var forwardSeconds: Double
    public var backwardSeconds: Double
    public var optimizerSeconds: Double
    /// `batch / trainStepSeconds`.
    public var trainImagesPerSecond: Double
    /// `3 · 2 · MACs · batch / trainStepSeconds / 1e9` (training = 3 × forward, FLOP = 2 × MAC).
    public var trainGFLOPs: Double
    /// Median seconds of an inference-mode forward pass of the same batch, and its throughput.
    public var evalStepSeconds: Double
    public var evalImagesPerSecond: Double

    /// Peak resident memory of the process (VmHWM) at the end, bytes.
    public var peakResidentBytes: Int?
    /// Bytes held by live `TensorStorage`s (parameters, gradients, optimiser state, buffers).
    public var liveTensorBytes: Int
    /// `TensorStorage` allocations during all measured train and eval steps (0 is the goal).
    public var tensorAllocationsInSteps: Int
    /// Change of the C heap's bytes in use (`mallinfo2`) over all measured steps (0 is the goal).
    public var heapBytesGrowthInSteps: Int?

    /// Every measured step's seconds, in order.
    public var trainStepSamples: [Double]
    public var evalStepSamples: [Double]

    /// Wall-clock times (seconds since 1970) when the measured training steps began, when they
    /// ended, and when the measured evaluation passes ended: with `--jobs` they show how far the
    /// copies' measurements overlapped.
    public var measuredSpan: [Double]?

    /// How the work was spread over the threads (with more than one thread).
    public var threading: Threading?

    /// The host's steal and other processes' CPU time during the measured training steps and
    /// evaluation passes, the placement probes around them included (`HostLoad`; with `--jobs`,
    /// the other copies count as other processes); nil where `/proc/stat` is missing or the window
    /// was shorter than `HostLoad.minimumTicks` ticks (the MLP's few milliseconds); nil in earlier reports.
    public var hostLoad: HostLoad?

    /// With `masklab bench --jobs N` (N > 1): every concurrent copy's throughput; this result's
    /// other fields are the first copy's.
    public var concurrentJobs: ConcurrentJobs?

    /// With `masklab bench --layers`: each layer's share of a training step.
    public var layers: LayerTimes?

    /// The wall time of each layer's training forward and backward calls (`LayerClock`),
    /// summed over `steps` more training steps run after the measured ones.
    public struct LayerTimes: Codable, Sendable {
        /// Steps timed layer by layer.
        public var steps: Int
        /// Mean wall time of those steps, seconds (the clock's own reads included).
        public var stepSeconds: Double
        /// The layers (and blocks' parts) in forward order, with their totals over `steps`.
        public var entries: [LayerClock.Entry]

        public init(steps: Int, stepSeconds: Double, entries: [LayerClock.Entry]) {
            self.steps = steps
            self.stepSeconds = stepSeconds
            self.entries = entries
        }
    }

    /// Throughput of N copies of one workload run at the same time (img/s, in start order). The
    /// copies wait for each other after their warm-up, so their measured steps start together.
    public struct ConcurrentJobs: Codable, Sendable {
        public var trainImagesPerSecond: [Double]
        public var evalImagesPerSecond: [Double]
        /// The share of the measured training span (first start to last end) during which every
        /// copy was measuring: near 1 when the copies ran side by side; nil when a copy did not
        /// report its span.
        public var trainOverlap: Double?
        /// Σ of the copies' training (evaluation) img/s: what a study of N jobs can at best reach.
        public var aggregateTrainImagesPerSecond: Double
        public var aggregateEvalImagesPerSecond: Double

        public init(trainImagesPerSecond: [Double], evalImagesPerSecond: [Double], trainSpans: [[Double]?] = []) {
            self.trainImagesPerSecond = trainImagesPerSecond
            self.evalImagesPerSecond = evalImagesPerSecond
            let spans = trainSpans.compactMap { $0.flatMap { $0.count >= 2 ? ($0[0], $0[1]) : nil } }
            if !spans.isEmpty, spans.count == trainSpans.count,
               let first = spans.map(\.0).min(), let last = spans.map(\.1).max(), last > first {
                let common = (spans.map(\.1).min() ?? 0) - (spans.map(\.0).max() ?? 0)
                trainOverlap = max(0, common) / (last - first)
            }
            aggregateTrainImagesPerSecond = trainImagesPerSecond.reduce(0, +)
            aggregateEvalImagesPerSecond = evalImagesPerSecond.reduce(0, +)
        }
    }

    /// The measured cache-line round trip between the pool's threads (before and after the
    /// measured steps), the measured compute speed-up, and the parallel regions per step: all that were cut into chunks, and
    /// those that `ParallelCostModel` ran on the pool rather than on the calling thread.
    public struct Threading: Codable, Sendable {
        public var roundTripNanoseconds: [Int]
        /// True when the round trip was fixed (`masklab bench --round-trip`), not measured.
        public var roundTripFixed: Bool
        /// The measured speed-up of arithmetic on all threads over one (`ComputeProbe`; ≈ 2 on
        /// two cores of their own, ≈ 1 on one core's hyperthreads), before and after the measured
        /// steps; nil in reports of earlier versions.
        public var computeSpeedup: [Double]?
        /// True when the speed-up was fixed (`masklab bench --compute-speedup`), not measured.
        public var computeSpeedupFixed: Bool?
        public var trainRegionsPerStep: Double
        public var trainSpreadRegionsPerStep: Double
        public var evalRegionsPerStep: Double
        public var evalSpreadRegionsPerStep: Double
    }
}
