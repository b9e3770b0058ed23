import Layers

/// A dropout layer with probability `p` to place after an activation, or none when `p` is 0, so
/// models without dropout keep exactly their layers (and results) of before `--dropout`.
func dropoutLayer(_ p: Double) -> [Layer] {
    p > 0 ? [Dropout(probability: p)] : []
}
