/// One named piece of sampler state for checkpoints (saved as `hook.masks.<name>`).
public struct MaskState: Sendable, Equatable {
    public enum Payload: Sendable, Equatable {
        case floats([Float])
        case bytes([UInt8])
        case integers([Int64])
    }
    public let name: String
    public let payload: Payload

    public init(name: String, _ payload: Payload) {
        self.name = name
        self.payload = payload
    }
}

extension Array where Element == MaskState {
    /// The floats saved as `name`, checked to have `count` entries.
    public func floats(_ name: String, count: Int) throws(MaskError) -> [Float] {
        guard let s = first(where: { $0.name == name }), case let .floats(v) = s.payload else {
            throw .state("'\(name)' is missing")
        }
        guard v.count == count else { throw .state("'\(name)' has \(v.count) entries, the masked tensors have \(count)") }
        return v
    }

    /// The integers saved as `name`.
    public func integers(_ name: String) throws(MaskError) -> [Int64] {
        guard let s = first(where: { $0.name == name }), case let .integers(v) = s.payload else {
            throw .state("'\(name)' is missing")
        }
        return v
    }
}

/// One line for a CSV log in the run folder.
///
/// `key` is the iteration whose replay would produce the row again: when a run resumes at
/// iteration P, rows with key ≥ P are dropped before training continues, so a resumed run's
/// logs equal an uninterrupted run's. The first column of every such file is this key.
public struct MaskLogRow: Sendable, Equatable {
    public let file: String
    public let header: String
    public let key: Int
    public let line: String

    public init(file: String, header: String, key: Int, line: String) {
        self.file = file
        self.header = header
        self.key = key
        self.line = line
    }
}
