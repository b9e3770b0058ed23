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

extension ModelOptionCheck {
    /// `options.channels` for a model with `count` channel-counted layers (`what` names them in
    /// the message), or nil when not given; a list of another length is refused.
    static func channels(_ options: ModelOptions, model: String, count: Int, what: String) throws(ModelError) -> [Int]? {
        guard let c = options.channels else { return nil }
        guard c.count == count, c.allSatisfy({ $0 > 0 }) else {
            throw .invalidOption(model: model, message: "channels needs \(count) positive counts (\(what)), got \(c.count): \(c.map(String.init).joined(separator: ","))")
        }
        return c
    }

    /// Refuses `options.channels` for a model without per-layer channel counts.
    static func noChannels(_ options: ModelOptions, model: String) throws(ModelError) {
        guard let c = options.channels else { return }
        throw .invalidOption(model: model, message: "has no per-layer channel counts (got --channels \(c.map(String.init).joined(separator: ","))); resnet18, resnet34, conv2/4/6 and vgg11/16/19 do (mlp: --hidden)")
    }

    /// The label entry of a channel list ("channels: 4,8,…"), nil when not given.
    static func channelsLabel(_ options: ModelOptions) -> String? {
        options.channels.map { "channels: \($0.map(String.init).joined(separator: ","))" }
    }
}

extension ModelOptionCheck {
    /// Refuses each of `unused` that `options` sets: a setting the model would ignore is
    /// recorded in `config.json` and would tell runs apart (`runs --filter`, `diff`, plot
    /// legends) that are the same network.
    static func refuse(_ unused: [ModelOption], in options: ModelOptions, model: String) throws(ModelError) {
        for option in unused {
            guard let value = option.value(in: options) else { continue }
            throw .unreadOption(model: model, option: option, message: "does not use \(option.flag) (got \(value)); the models that do: \(option.readers)")
        }
    }
}
