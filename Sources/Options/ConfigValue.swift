/// A value of a config file, as read from JSON or YAML (or typed on the command line), before
/// any option interprets it.
///
/// Numbers keep their literal text, so that an integer of any size (a 64-bit seed) and a float
/// written as `1e-08` reach the option's parser unchanged and round-trip exactly.
public indirect enum ConfigValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// A number, as written (`0.05`, `-3`, `1e-08`).
    case number(String)
    case string(String)
    case array([ConfigValue])
    case object([String: ConfigValue])

    /// The members of an object, or nil.
    public var object: [String: ConfigValue]? {
        if case let .object(o) = self { return o }
        return nil
    }

    /// Compact JSON text (keys sorted), for messages and hashing.
    public var description: String { ConfigText.json(self, pretty: false) }

    /// `self` with `other` merged in: objects merge key by key (recursively), anything else replaces.
    public func merging(_ other: ConfigValue) -> ConfigValue {
        guard case var .object(a) = self, case let .object(b) = other else { return other }
        for (k, v) in b { a[k] = a[k].map { $0.merging(v) } ?? v }
        return .object(a)
    }
}

extension ConfigValue: Codable {
    /// Decodes any JSON value through a `Decoder` (used when a config is nested in a Codable record).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .number(String(i)) }
        else if let u = try? c.decode(UInt64.self) { self = .number(String(u)) }
        else if let d = try? c.decode(Double.self) { self = .number("\(d)") }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([ConfigValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: ConfigValue].self)) }
    }

    /// Encodes numbers as integers when their text is one, else as doubles.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .number(t):
            if let i = Int64(t) { try c.encode(i) } else if let u = UInt64(t) { try c.encode(u) } else { try c.encode(Double(t) ?? .nan) }
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }
}

extension ConfigValue {
    /// The dotted key paths of an object's leaves ("optimizer.momentum"), sorted; [] for a
    /// value that is not an object.
    public var leafKeys: [String] { leafKeys(prefix: "") }

    private func leafKeys(prefix: String) -> [String] {
        guard let object else { return prefix.isEmpty ? [] : [prefix] }
        return object.keys.sorted().flatMap { k in object[k]!.leafKeys(prefix: prefix.isEmpty ? k : prefix + "." + k) }
    }
}
