import Foundation
import Options
import Training

extension RunConfig {
    /// The configuration as the run's checkpoints record it (`RunConditions.Config`): every
    /// option as compact JSON. A resume reads the recorded text back through `RunConfig` and
    /// compares configurations, not texts, so a key that a later MaskLab adds with its default
    /// is no difference, nor is a setting the chosen optimiser or schedule ignores
    /// (`readSettings`); a real one is named with both values (`ConfigDiff.brief`).
    public var checkpointRecord: RunConditions.Config {
        let text = ConfigText.json(Self.table.encode(self), pretty: false)
        let config = self
        return RunConditions.Config(text: text) { saved in
            let recorded: RunConfig
            do { recorded = try RunConfig.decode(try ConfigText.json(saved, path: RunConditions.configKey), path: RunConditions.configKey) } catch {
                return "a configuration this MaskLab cannot read (\(error))"
            }
            // Settings the optimiser or schedule ignores (Adam's momentum), and TensorBoard logging, are no difference.
            guard recorded.resumeSettings != config.resumeSettings else { return nil }
            let what = ConfigDiff.brief(saved: recorded.resumeSettings.jsonText(), requested: config.resumeSettings.jsonText(), savedIn: "in the checkpoint")
            return "another configuration" + (what.isEmpty ? "" : " (\(what))")
        }
    }
}
