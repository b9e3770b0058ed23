/// The valid values of an option, stated for the help and the messages ("> 0", "[0, 1)").
public struct ValueRange<Value> {
    /// Stated in the help and in the message: "must be \(text), got …".
    public let text: String
    public let contains: (Value) -> Bool

    public init(_ text: String, _ contains: @escaping (Value) -> Bool) {
        self.text = text
        self.contains = contains
    }

    /// Every value the codec reads.
    public static var any: ValueRange { ValueRange("") { _ in true } }
}

extension ValueRange where Value: Comparable & CustomStringConvertible {
    /// value > bound
    public static func above(_ bound: Value) -> ValueRange { ValueRange("> \(numberText(bound))") { $0 > bound } }
    /// value ≥ bound
    public static func atLeast(_ bound: Value) -> ValueRange { ValueRange("≥ \(numberText(bound))") { $0 >= bound } }
    /// lower ≤ value ≤ upper
    public static func within(_ lower: Value, _ upper: Value) -> ValueRange { ValueRange("in [\(numberText(lower)), \(numberText(upper))]") { $0 >= lower && $0 <= upper } }
    /// lower ≤ value < upper
    public static func from(_ lower: Value, below upper: Value) -> ValueRange { ValueRange("in [\(numberText(lower)), \(numberText(upper)))") { $0 >= lower && $0 < upper } }
    /// lower < value ≤ upper
    public static func above(_ lower: Value, upTo upper: Value) -> ValueRange { ValueRange("in (\(numberText(lower)), \(numberText(upper))]") { $0 > lower && $0 <= upper } }
}

extension ValueRange {
    /// Each element of a list in `element`; `strictlyIncreasing` also requires e₀ < e₁ < ….
    public static func each<E: Comparable>(_ element: ValueRange<E>, nonEmpty: Bool = false, strictlyIncreasing: Bool = false) -> ValueRange where Value == [E] {
        var parts: [String] = []
        if nonEmpty { parts.append("non-empty") }
        if !element.text.isEmpty { parts.append("each \(element.text)") }
        if strictlyIncreasing { parts.append("strictly increasing") }
        return ValueRange(parts.joined(separator: ", ")) { list in
            (!nonEmpty || !list.isEmpty) && list.allSatisfy(element.contains)
                && (!strictlyIncreasing || zip(list, list.dropFirst()).allSatisfy { $0 < $1 })
        }
    }
}

extension ValueRange where Value == String {
    /// One of `names` (a registry's names).
    public static func oneOf(_ names: [String]) -> ValueRange { ValueRange("one of \(names.joined(separator: ", "))") { names.contains($0) } }
}
