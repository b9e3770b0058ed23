import Foundation

extension RunConfig {
    /// The config as TensorBoard hyper-parameters: `config.json` flattened to dotted keys
    /// (`optimizer.learningRate`, `masks.keep`), strings, numbers and booleans as
    /// themselves, lists as their JSON text, nulls left out; sorted by key.
    public var hparams: [TensorBoardEvent.HParam] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(jsonText().utf8)) else { return [] }
        var out: [TensorBoardEvent.HParam] = []
        value.flatten(prefix: "", into: &out)
        return out.sorted { $0.name < $1.name }
    }
}

/// A decoded JSON value, for flattening a config into hyper-parameters.
private enum JSONValue: Decodable {
    case bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue]), null

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func flatten(prefix: String, into out: inout [TensorBoardEvent.HParam]) {
        switch self {
        case let .bool(b): out.append(.init(prefix, .bool(b)))
        case let .number(x): out.append(.init(prefix, .number(x)))
        case let .string(s): out.append(.init(prefix, .string(s)))
        case .null: break
        case let .object(fields):
            for (key, value) in fields { value.flatten(prefix: prefix.isEmpty ? key : prefix + "." + key, into: &out) }
        case let .array(items): out.append(.init(prefix, .string(items.map(\.text).joined(separator: ","))))
        }
    }

    /// Compact text of a list item.
    var text: String {
        switch self {
        case let .bool(b): return String(b)
        case let .number(x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case let .string(s): return s
        case .null: return "null"
        case let .array(items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case let .object(fields): return "{" + fields.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.text)" }.joined(separator: ",") + "}"
        }
    }
}
