/// How long a run trains: whole epochs, or a number of iterations (optimiser steps) that may end
/// part-way through an epoch (the partial epoch is then evaluated and logged like a full one).
///
/// Codable as `{"epochs": 90}` or `{"iterations": 5000}`.
public enum Budget: Sendable, Equatable, Codable, CustomStringConvertible {
    case epochs(Int)
    case iterations(Int)

    /// Total iterations for a loader with `iterationsPerEpoch` batches per epoch.
    public func totalIterations(iterationsPerEpoch: Int) -> Int {
        switch self {
        case let .epochs(e): return e * iterationsPerEpoch
        case let .iterations(i): return i
        }
    }

    /// Epochs touched (the last may be partial): ⌈total / iterationsPerEpoch⌉.
    public func epochs(iterationsPerEpoch: Int) -> Int {
        let total = totalIterations(iterationsPerEpoch: iterationsPerEpoch)
        return (total + iterationsPerEpoch - 1) / Swift.max(iterationsPerEpoch, 1)
    }

    public var description: String {
        switch self {
        case let .epochs(e): return counted(e, "epoch")
        case let .iterations(i): return counted(i, "iteration")
        }
    }

    private enum CodingKeys: String, CodingKey { case epochs, iterations }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let e = try c.decodeIfPresent(Int.self, forKey: .epochs)
        let i = try c.decodeIfPresent(Int.self, forKey: .iterations)
        switch (e, i) {
        case let (e?, nil): self = .epochs(e)
        case let (nil, i?): self = .iterations(i)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "budget needs exactly one of \"epochs\" or \"iterations\""))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .epochs(e): try c.encode(e, forKey: .epochs)
        case let .iterations(i): try c.encode(i, forKey: .iterations)
        }
    }
}
