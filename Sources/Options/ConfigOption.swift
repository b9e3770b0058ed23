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
    /// Older config keys (full dotted paths, like `key`) still read from config files and
    /// `--set`, never written: a config saved before a rename loads as the same config.
    public let formerKeys: [String]
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
    public init(key: String, flag: String, aliases: [String] = [], formerKeys: [String] = [], help: String, valueName: String,
                isSwitch: Bool = false, isNullable: Bool = false, rangeText: String = "", read: @escaping (Root) -> ConfigValue?,
                write: @escaping (inout Root, ConfigValue) throws(OptionError) -> Void,
                writeText: @escaping (inout Root, String) throws(OptionError) -> Void) {
        self.key = key
        self.flag = flag
        self.aliases = aliases
        self.formerKeys = formerKeys
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
        return ConfigOption<Outer>(key: prefix.isEmpty ? key : prefix + "." + key, flag: flag, aliases: aliases,
                             formerKeys: formerKeys.map { prefix.isEmpty ? $0 : prefix + "." + $0 }, help: help,
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
        return ConfigOption<Outer>(key: prefix + "." + key, flag: flag, aliases: aliases,
                             formerKeys: formerKeys.map { prefix + "." + $0 }, help: help,
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
