/// One named piece of a hook's state, saved in checkpoints as a one-dimensional tensor under its
/// name: floats as F32, integers as I64, bytes (e.g. a random generator's state) as U8. What a
/// hook returns from `checkpointState()` is named `hook.…`; parts of it (a sampler's state)
/// may use short names that the hook prefixes.
public struct HookState: Sendable, Equatable {
    public enum Payload: Sendable, Equatable {
        case floats([Float])
        case integers([Int64])
        case bytes([UInt8])
    }
    public let name: String
    public let payload: Payload

    /// The prefix of every checkpoint tensor that holds hook state.
    public static let prefix = "hook."

    public init(name: String, _ payload: Payload) {
        self.name = name
        self.payload = payload
    }

    /// Number of elements.
    public var count: Int {
        switch payload {
        case let .floats(v): return v.count
        case let .integers(v): return v.count
        case let .bytes(v): return v.count
        }
    }
}

/// Why a hook cannot start or restore its state (the trainer adds the checkpoint's path).
public struct HookError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
