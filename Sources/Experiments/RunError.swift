import Foundation
import Training
import Datasets
import Models

/// Errors from setting up or running an experiment, each saying what to fix.
public enum RunError: Error, CustomStringConvertible {
    case config(path: String, message: String)
    case dataset(DatasetError)
    case model(ModelError)
    case training(TrainingError)
    case output(path: String, message: String)

    public var description: String {
        switch self {
        case let .config(path, message): return "config \(path): \(message)"
        case let .dataset(e): return e.description
        case let .model(e): return e.description
        case let .training(e): return e.description
        case let .output(path, message): return "\(path): \(message)"
        }
    }
}
