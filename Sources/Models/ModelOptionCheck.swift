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
