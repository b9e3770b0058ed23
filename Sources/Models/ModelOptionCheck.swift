import Layers

/// Validation of `ModelOptions` shared by the convolutional models' registry entries.
enum ModelOptionCheck {
    /// `options.width` (default 64), which must be in [1, `ModelOptions.maxWidth`]. Models scale their channel counts
    /// as `c · width / 64`, so widths that are not multiples of 8 round some layers down.
    static func width(_ options: ModelOptions, model: String) throws(ModelError) -> Int {
        let width = options.width ?? 64
        guard (1...ModelOptions.maxWidth).contains(width) else {
            throw .invalidOption(model: model, message: "width must be in [1, \(ModelOptions.maxWidth)], got \(width)")
        }
        return width
    }
}

extension ModelOptionCheck {
    /// `options.dropout` (nil = `defaultValue`), which must be in [0, 1).
    static func dropout(_ options: ModelOptions, model: String, default defaultValue: Double = 0) throws(ModelError) -> Double {
        let p = options.dropout ?? defaultValue
        guard p >= 0 && p < 1 else {
            throw .invalidOption(model: model, message: "dropout must be in [0, 1), got \(p)")
        }
        return p
    }
}

extension ModelOptionCheck {
    /// Refuses `options.dropout` > 0 for a model that has no place for dropout (rather than
    /// ignoring it); 0 or none is accepted.
    static func noDropout(_ options: ModelOptions, model: String) throws(ModelError) {
        guard let p = options.dropout, p != 0 else { return }
        throw .invalidOption(model: model, message: "does not place dropout (got --dropout \(p)); mlp, conv2, conv4, conv6 and alexnet do")
    }
}
