/// A setting that is refused: which key, and a message a user can act on (the valid range or values).
public struct OptionError: Error, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

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
    /// Any string; `names` (when given) are the valid values, checked by the option.
    public static func string(names: [String] = []) -> ValueCodec {
        ValueCodec(expected: names.isEmpty ? "a string" : "one of \(names.joined(separator: ", "))",
                   valueName: names.isEmpty ? "<text>" : "<" + names.joined(separator: "|") + ">",
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
}

extension ValueCodec {
    /// A list: a JSON array of `element` values, or comma-separated text on the command line
    /// (the one comma-list parser, `CommaList`: empty items such as `300,,100` are refused).
    public static func list<E>(of element: ValueCodec<E>, valueName: String) -> ValueCodec<[E]> where Value == [E] {
        ValueCodec<[E]>(expected: "a list (comma-separated on the command line) whose items are each \(element.expected)",
                        valueName: valueName,
                        fromConfig: { v in
                            guard case let .array(items) = v else { return nil }
                            var out: [E] = []
                            for item in items { guard let e = element.fromConfig(item) else { return nil }; out.append(e) }
                            return out
                        },
                        fromText: { text in
                            guard let items = CommaList.split(text) else { return nil }
                            var out: [E] = []
                            for item in items { guard let e = element.fromText(item) else { return nil }; out.append(e) }
                            return out
                        },
                        toConfig: { .array($0.map(element.toConfig)) })
    }
}

/// The valid values of an option, stated for the help and the messages ("> 0", "[0, 1)").
public struct ValueRange<Value> {
    /// Stated in the help and in the message: "must be \(text), got …".
    public let text: String
    public let contains: (Value) -> Bool

    public init(_ text: String, _ contains: @escaping (Value) -> Bool) {
        self.text = text
        self.contains = contains
    }

    /// Every value the codec reads.
    public static var any: ValueRange { ValueRange("") { _ in true } }
}

extension ValueRange where Value: Comparable & CustomStringConvertible {
    /// value > bound
    public static func above(_ bound: Value) -> ValueRange { ValueRange("> \(numberText(bound))") { $0 > bound } }
    /// value ≥ bound
    public static func atLeast(_ bound: Value) -> ValueRange { ValueRange("≥ \(numberText(bound))") { $0 >= bound } }
    /// lower ≤ value ≤ upper
    public static func within(_ lower: Value, _ upper: Value) -> ValueRange { ValueRange("in [\(numberText(lower)), \(numberText(upper))]") { $0 >= lower && $0 <= upper } }
    /// lower ≤ value < upper
    public static func from(_ lower: Value, below upper: Value) -> ValueRange { ValueRange("in [\(numberText(lower)), \(numberText(upper)))") { $0 >= lower && $0 < upper } }
    /// lower < value ≤ upper
    public static func above(_ lower: Value, upTo upper: Value) -> ValueRange { ValueRange("in (\(numberText(lower)), \(numberText(upper))]") { $0 > lower && $0 <= upper } }
}

extension ValueRange {
    /// Each element of a list in `element`; `strictlyIncreasing` also requires e₀ < e₁ < ….
    public static func each<E: Comparable>(_ element: ValueRange<E>, nonEmpty: Bool = false, strictlyIncreasing: Bool = false) -> ValueRange where Value == [E] {
        var parts: [String] = []
        if nonEmpty { parts.append("non-empty") }
        if !element.text.isEmpty { parts.append("each \(element.text)") }
        if strictlyIncreasing { parts.append("strictly increasing") }
        return ValueRange(parts.joined(separator: ", ")) { list in
            (!nonEmpty || !list.isEmpty) && list.allSatisfy(element.contains)
                && (!strictlyIncreasing || zip(list, list.dropFirst()).allSatisfy { $0 < $1 })
        }
    }
}

/// One option, declared once: its key path in the config file, its command-line flag, its help,
/// how its values are read and written, and its valid range. `OptionTable` reads these to decode
/// and encode config files, parse flags and `--set key=value`, print the help and the defaults.
///
/// Options are declared next to the record they set (`OptimizerConfig.options`, a sampler's
/// `options`) with keys relative to it, and lifted into the enclosing record with `under(_:_:)`.
public struct ConfigOption<Root> {
    /// Dotted key path in the config file: "optimizer.learningRate".
    public let key: String
    /// Long flag without the dashes: "lr" (for `--lr`).
    public let flag: String
    /// Older spellings still accepted on the command line, not shown in the help.
    public let aliases: [String]
    public let help: String
    public let valueName: String
    /// A switch: `--flag` sets true, `--no-flag` false (`--flag=false` also works).
    public let isSwitch: Bool
    /// Whether null (JSON null, `--set key=null`) is a valid value (e.g. "the optimiser's default").
    public let isNullable: Bool
    /// The stated range ("> 0"), "" when any value of the type is valid.
    public let rangeText: String
    /// The value in `root`, nil when the key is absent (inside an absent optional group).
    public let read: (Root) -> ConfigValue?
    /// Sets the value from a config value (type and range checked).
    public let write: (inout Root, ConfigValue) throws(OptionError) -> Void
    /// Sets the value from command-line text (type and range checked).
    public let writeText: (inout Root, String) throws(OptionError) -> Void

    /// The full memberwise initialiser, for options that are not one stored property (the budget).
    public init(key: String, flag: String, aliases: [String] = [], help: String, valueName: String, isSwitch: Bool = false,
                isNullable: Bool = false, rangeText: String = "", read: @escaping (Root) -> ConfigValue?,
                write: @escaping (inout Root, ConfigValue) throws(OptionError) -> Void,
                writeText: @escaping (inout Root, String) throws(OptionError) -> Void) {
        self.key = key
        self.flag = flag
        self.aliases = aliases
        self.help = help
        self.valueName = valueName
        self.isSwitch = isSwitch
        self.isNullable = isNullable
        self.rangeText = rangeText
        self.read = read
        self.write = write
        self.writeText = writeText
    }

    /// An option stored at `path`, of the codec's type, valid in `range`.
    public static func value<V>(_ key: String, _ path: WritableKeyPath<Root, V>, flag: String, aliases: [String] = [],
                                _ codec: ValueCodec<V>, _ range: ValueRange<V> = .any, help: String) -> ConfigOption {
        let check = Self.checker(key: key, codec: codec, range: range)
        return ConfigOption(key: key, flag: flag, aliases: aliases, help: help, valueName: codec.valueName, isSwitch: V.self == Bool.self,
                      rangeText: range.text, read: { codec.toConfig($0[keyPath: path]) },
                      write: { (root: inout Root, v: ConfigValue) throws(OptionError) in
                          guard let value = codec.fromConfig(v) else { throw Self.typeError(key, codec.expected, v.description) }
                          root[keyPath: path] = try check(value)
                      },
                      writeText: { (root: inout Root, t: String) throws(OptionError) in
                          guard let value = codec.fromText(t) else { throw Self.typeError(key, codec.expected, t) }
                          root[keyPath: path] = try check(value)
                      })
    }

    /// An optional option stored at `path`: null (or the text "null") sets nil, whose meaning `help` states.
    public static func optional<V>(_ key: String, _ path: WritableKeyPath<Root, V?>, flag: String, aliases: [String] = [],
                                   _ codec: ValueCodec<V>, _ range: ValueRange<V> = .any, help: String) -> ConfigOption {
        let check = Self.checker(key: key, codec: codec, range: range)
        return ConfigOption(key: key, flag: flag, aliases: aliases, help: help, valueName: codec.valueName, isSwitch: V.self == Bool.self,
                      isNullable: true, rangeText: range.text, read: { $0[keyPath: path].map(codec.toConfig) ?? .null },
                      write: { (root: inout Root, v: ConfigValue) throws(OptionError) in
                          if v == .null { root[keyPath: path] = nil; return }
                          guard let value = codec.fromConfig(v) else { throw Self.typeError(key, codec.expected + " (or null)", v.description) }
                          root[keyPath: path] = try check(value)
                      },
                      writeText: { (root: inout Root, t: String) throws(OptionError) in
                          if t.trimmingSpaces == "null" { root[keyPath: path] = nil; return }
                          guard let value = codec.fromText(t) else { throw Self.typeError(key, codec.expected + " (or null)", t) }
                          root[keyPath: path] = try check(value)
                      })
    }

    static func checker<V>(key: String, codec: ValueCodec<V>, range: ValueRange<V>) -> (V) throws(OptionError) -> V {
        { (value: V) throws(OptionError) -> V in
            guard range.contains(value) else {
                throw OptionError("\(key) must be \(range.text), got \(codec.toConfig(value).description)")
            }
            return value
        }
    }

    static func typeError(_ key: String, _ expected: String, _ got: String) -> OptionError {
        OptionError("\(key): expected \(expected), got \(got.isEmpty ? "nothing" : got)")
    }

    /// This option as an option of `Outer`, whose field `path` holds the record (key prefixed by `prefix`).
    public func under<Outer>(_ prefix: String, _ path: WritableKeyPath<Outer, Root>) -> ConfigOption<Outer> {
        let read = self.read, write = self.write, writeText = self.writeText
        let name = Self.prefixing(prefix)
        return ConfigOption<Outer>(key: prefix.isEmpty ? key : prefix + "." + key, flag: flag, aliases: aliases, help: help,
                             valueName: valueName, isSwitch: isSwitch, isNullable: isNullable, rangeText: rangeText,
                             read: { read($0[keyPath: path]) },
                             write: { (o: inout Outer, v: ConfigValue) throws(OptionError) in
                                 do throws(OptionError) { try write(&o[keyPath: path], v) } catch { throw name(error) }
                             },
                             writeText: { (o: inout Outer, t: String) throws(OptionError) in
                                 do throws(OptionError) { try writeText(&o[keyPath: path], t) } catch { throw name(error) }
                             })
    }

    /// This option as an option of `Outer`, whose optional field `path` holds the record: absent
    /// while the field is nil; setting it creates the record from `empty` first.
    public func under<Outer>(_ prefix: String, _ path: WritableKeyPath<Outer, Root?>, empty: @escaping () -> Root) -> ConfigOption<Outer> {
        let read = self.read, write = self.write, writeText = self.writeText
        let name = Self.prefixing(prefix)
        return ConfigOption<Outer>(key: prefix + "." + key, flag: flag, aliases: aliases, help: help,
                             valueName: valueName, isSwitch: isSwitch, isNullable: isNullable, rangeText: rangeText,
                             read: { $0[keyPath: path].flatMap(read) },
                             write: { (o: inout Outer, v: ConfigValue) throws(OptionError) in
                                 var r = o[keyPath: path] ?? empty()
                                 do throws(OptionError) { try write(&r, v) } catch { throw name(error) }
                                 o[keyPath: path] = r
                             },
                             writeText: { (o: inout Outer, t: String) throws(OptionError) in
                                 var r = o[keyPath: path] ?? empty()
                                 do throws(OptionError) { try writeText(&r, t) } catch { throw name(error) }
                                 o[keyPath: path] = r
                             })
    }

    /// Messages start with the option's key relative to its record; lifting prefixes the record's key.
    private static func prefixing(_ prefix: String) -> (OptionError) -> OptionError {
        { e in prefix.isEmpty ? e : OptionError(prefix + "." + e.message) }
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

extension ValueRange where Value == String {
    /// One of `names` (a registry's names).
    public static func oneOf(_ names: [String]) -> ValueRange { ValueRange("one of \(names.joined(separator: ", "))") { names.contains($0) } }
}
