/// Why a training run stopped with an error.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss of iteration `step` (0-based, in epoch `epoch`: 0-based here, printed counted
    /// from 1 like every epoch MaskLab shows) was NaN or infinite; the run stopped before that
    /// step's update. `lastGoodCheckpoint` is the newest checkpoint this run
    /// wrote or resumed from, if any; `hint` what to change (a hook's `divergenceHint`, else
    /// the learning rate).
    case nonFinite(step: Int, epoch: Int, loss: Double, lastGoodCheckpoint: String?, hint: String = TrainingError.learningRateHint)
    /// After step `step` (in epoch `epoch`, 0-based) entry `index` (flat, row-major) of a weight, buffer or
    /// optimiser state became NaN or infinite; the run stopped without checkpointing it.
    case nonFiniteWeights(tensor: String, index: Int, value: Float, step: Int, epoch: Int, lastGoodCheckpoint: String?,
                          hint: String = TrainingError.learningRateHint)
    /// The configuration cannot run (message says what to change).
    case invalidConfig(String)
    case optimizer(OptimizerError)
    case schedule(ScheduleError)
    case checkpoint(CheckpointError)
    /// Writing the metrics or summary failed.
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case let .nonFinite(step, epoch, loss, last, hint):
            return "loss became \(Self.spelled(loss)) at step \(step) (epoch \(epoch + 1)); "
                + (last.map { "last good checkpoint: \($0)" } ?? "no checkpoint was written") + " (hint: \(hint))"
        case let .nonFiniteWeights(tensor, index, value, step, epoch, last, hint):
            return "\(tensor)[\(index)] became \(Self.spelled(value)) by step \(step) (epoch \(epoch + 1)); "
                + (last.map { "last good checkpoint: \($0)" } ?? "no checkpoint was written") + " (hint: \(hint))"
        case let .invalidConfig(m): return "invalid training config: \(m)"
        case let .optimizer(e): return e.description
        case let .schedule(e): return e.description
        case let .checkpoint(e): return e.description
        case let .output(path, reason): return "\(path): \(reason)"
        }
    }
}

extension TrainingError {
    /// A non-finite value as people write it: NaN (whatever its sign bit), +Inf, −Inf.
    static func spelled<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) -> String {
        v.isNaN ? "NaN" : v.isInfinite ? (v < 0 ? "-Inf" : "+Inf") : v.description
    }

    /// The hint of a diverged run when no hook names a cause.
    public static let learningRateHint = "lower the learning rate or add warm-up"

    /// The loss or the weights became NaN or infinite (`summary.json` says `nonFinite`).
    public var isNonFinite: Bool {
        switch self {
        case .nonFinite, .nonFiniteWeights: return true
        default: return false
        }
    }
}
