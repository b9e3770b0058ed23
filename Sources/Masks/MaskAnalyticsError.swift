/// Masks that cannot be analysed together: a mask that does not fit the model, or two masks
/// whose tensors differ. Each case names the first tensor that differs.
public enum MaskAnalyticsError: Error, Equatable, CustomStringConvertible {
    /// A mask tensor the model does not have (`model` nil), or whose shape is not the model's.
    case doesNotFitModel(tensor: String, mask: [Int], model: [Int]?)
    /// Two masks differ at `tensor`: its shape in the first and in the second (nil = absent).
    case masksDiffer(tensor: String, first: [Int]?, second: [Int]?)

    public var description: String { describe(first: "the first mask", second: "the second mask") }

    /// The message with the two masks called `first` and `second` (e.g. their paths).
    public func describe(first a: String, second b: String) -> String {
        switch self {
        case let .doesNotFitModel(tensor, mask, nil):
            return "the mask's tensor \(tensor) \(mask) is not a weight of the model"
        case let .doesNotFitModel(tensor, mask, model?):
            return "the mask's tensor \(tensor) is \(mask), the model's weight is \(model)"
        case let .masksDiffer(tensor, first?, nil):
            return "\(tensor) \(first) is in \(a) but not in \(b)"
        case let .masksDiffer(tensor, nil, second?):
            return "\(tensor) \(second) is in \(b) but not in \(a)"
        case let .masksDiffer(tensor, first, second):
            return "\(tensor) is \(first ?? []) in \(a) and \(second ?? []) in \(b)"
        }
    }
}
