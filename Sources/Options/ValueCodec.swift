/// How the values of one type are read from a config file and from command-line text, and written back.
public struct ValueCodec<Value> {
    /// What a valid value looks like, for messages: "a number", "an unsigned integer", "one of sgd, adam".
    public let expected: String
    /// Placeholder in the help: "<float>", "<w1,w2,…>".
    public let valueName: String
    /// The value from a config file's value, or nil when it has the wrong type or form.
    public let fromConfig: (ConfigValue) -> Value?
    /// The value from command-line text (`--lr 0.05`, `--set optimizer.learningRate=0.05`).
    public let fromText: (String) -> Value?
    public let toConfig: (Value) -> ConfigValue

    public init(expected: String, valueName: String, fromConfig: @escaping (ConfigValue) -> Value?,
                fromText: @escaping (String) -> Value?, toConfig: @escaping (Value) -> ConfigValue) {
        self.expected = expected
        self.valueName = valueName
        self.fromConfig = fromConfig
        self.fromText = fromText
        self.toConfig = toConfig
    }

    /// A scalar written as a JSON number, parsed from its text by `parse`.
    static func numeric(_ expected: String, _ valueName: String, _ parse: @escaping (String) -> Value?) -> ValueCodec {
        ValueCodec(expected: expected, valueName: valueName,
                   fromConfig: { if case let .number(t) = $0 { return parse(t) } else { return nil } },
                   fromText: { parse($0.trimmingSpaces) },
                   toConfig: { .number(numberText($0)) })
    }
}

/// A number's shortest round-trip text, without a trailing ".0" ("25", "0.05", "1e-08").
func numberText<T>(_ value: T) -> String {
    let s = "\(value)"
    return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
}

extension ValueCodec where Value == Int {
    public static var int: ValueCodec { .numeric("an integer", "<int>") { Int($0) ?? Double($0).flatMap { Int(exactly: $0) } } }
}

extension ValueCodec where Value == UInt64 {
    public static var uint64: ValueCodec { .numeric("an unsigned integer", "<uint>") { UInt64($0) } }
}

extension ValueCodec where Value == Float {
    /// Finite floats only: NaN and infinities are refused when read.
    public static var float: ValueCodec { .numeric("a finite number", "<float>") { Float($0).flatMap { $0.isFinite ? $0 : nil } } }
}

extension ValueCodec where Value == Double {
    /// Finite doubles only: NaN and infinities are refused when read.
    public static var double: ValueCodec { .numeric("a finite number", "<float>") { Double($0).flatMap { $0.isFinite ? $0 : nil } } }
}

extension ValueCodec where Value == Bool {
    public static var bool: ValueCodec {
        ValueCodec(expected: "true or false", valueName: "<bool>",
                   fromConfig: { if case let .bool(b) = $0 { return b } else { return nil } },
                   fromText: { ["true": true, "false": false][$0.trimmingSpaces.lowercased()] },
                   toConfig: { .bool($0) })
    }
}

extension ValueCodec where Value == String {
    /// Any string; `names` (when given) are the valid values, checked by the option. The value
    /// name lists them when short; a long list would not fit a help line (the help text and the
    /// error list them anyway), so it is just `<name>`.
    public static func string(names: [String] = []) -> ValueCodec {
        let list = names.joined(separator: "|")
        return ValueCodec(expected: names.isEmpty ? "a string" : "one of \(names.joined(separator: ", "))",
                          valueName: names.isEmpty ? "<text>" : list.count > 48 ? "<name>" : "<" + list + ">",
                          fromConfig: { if case let .string(s) = $0 { return s } else { return nil } },
                          fromText: { $0.trimmingSpaces },
                          toConfig: { .string($0) })
    }
}

extension ValueCodec where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enumeration's raw values.
    public static var choice: ValueCodec {
        let names = Value.allCases.map(\.rawValue)
        return ValueCodec(expected: "one of \(names.joined(separator: ", "))",
                          valueName: "<" + names.joined(separator: "|") + ">",
                          fromConfig: { if case let .string(s) = $0 { return Value(rawValue: s) } else { return nil } },
                          fromText: { Value(rawValue: $0.trimmingSpaces) },
                          toConfig: { .string($0.rawValue) })
    }

    /// One of an enumeration's raw values, or on the command line also one of `aliases`
    /// (short spellings such as `init` for `initial`; configs are always written with the raw value).
    public static func choice(aliases: [String: Value]) -> ValueCodec {
        let plain = ValueCodec.choice
        return ValueCodec(expected: plain.expected, valueName: plain.valueName, fromConfig: plain.fromConfig,
                          fromText: { text in plain.fromText(text) ?? aliases[text.trimmingSpaces] },
                          toConfig: plain.toConfig)
    }
}

extension ValueCodec {
    /// A list: a JSON array of `element` values, or comma-separated text on the command line
    /// (the one comma-list parser, `CommaList`: empty items such as `300,,100` are refused).
    public static func list<E>(of element: ValueCodec<E>, valueName: String) -> ValueCodec<[E]> where Value == [E] {
        ValueCodec<[E]>(expected: "a list (comma-separated on the command line, or [a, b] as in a config file) whose items are each \(element.expected)",
                        valueName: valueName,
                        fromConfig: { v in
                            guard case let .array(items) = v else { return nil }
                            var out: [E] = []
                            for item in items { guard let e = element.fromConfig(item) else { return nil }; out.append(e) }
                            return out
                        },
                        fromText: { text in
                            // `[8,8]`, `["first","last"]` or `[]`, as a config file writes the list, read as the comma-separated text.
                            var text = text.trimmingSpaces, bracketed = false
                            if text.hasPrefix("["), text.hasSuffix("]"), text.count >= 2 {
                                text = String(text.dropFirst().dropLast()).trimmingSpaces
                                bracketed = true
                                if text.isEmpty { return [] }
                            }
                            guard let items = CommaList.split(text) else { return nil }
                            var out: [E] = []
                            for item in items {
                                let plain = bracketed && item.count >= 2 && item.hasPrefix("\"") && item.hasSuffix("\"") ? String(item.dropFirst().dropLast()) : item
                                guard let e = element.fromText(plain) else { return nil }
                                out.append(e)
                            }
                            return out
                        },
                        toConfig: { .array($0.map(element.toConfig)) })
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
