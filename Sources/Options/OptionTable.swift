/// Every option of a config record, and everything done with them: decoding a config file
/// (unknown keys at any depth are errors, with a suggestion), encoding it, parsing command-line
/// flags and `--set key.path=value`, and the help text with defaults and ranges.
///
/// The record's own initialiser holds the defaults (one place); decoding starts from it and sets
/// only the keys given, so a partial file, a flag and `--set` all start from the same defaults.
///
/// Renamed keys: an option's `formerKeys` are read like its key (files and `--set`) and never
/// written, so a file saved before a rename loads as the same config; giving both spellings in
/// one file is an error.
///
/// Legacy rule: config files written before every key was always written omitted null optional
/// keys. A group object that names every non-nullable key of its level is such a complete
/// record, so a nullable key missing from it means null, not the default.
public struct OptionTable<Root> {
    public let options: [ConfigOption<Root>]
    /// Optional groups ("masks") that a null value removes.
    public let nullableGroups: [String: (inout Root) -> Void]
    /// Keys that exclude each other within one source ("budget.epochs", "budget.iterations").
    public let exclusive: [[String]]

    public init(_ options: [ConfigOption<Root>], nullableGroups: [String: (inout Root) -> Void] = [:], exclusive: [[String]] = []) {
        self.options = options
        self.nullableGroups = nullableGroups
        self.exclusive = exclusive
        var seenKeys = Set<String>(), seenFlags = Set<String>()
        for o in options {
            for k in [o.key] + o.formerKeys { precondition(seenKeys.insert(k).inserted, "option key \(k) declared twice") }
            for f in [o.flag] + o.aliases { precondition(seenFlags.insert(f).inserted, "flag --\(f) declared twice") }
        }
    }

    /// The option with config key `key`.
    public func option(key: String) -> ConfigOption<Root>? { options.first { $0.key == key } }

    /// The option with config key `key` or with `key` among its former keys.
    public func option(readingKey key: String) -> ConfigOption<Root>? {
        option(key: key) ?? options.first { $0.formerKeys.contains(key) }
    }

    /// The option with flag (or hidden alias) `flag`.
    public func option(flag: String) -> ConfigOption<Root>? { options.first { $0.flag == flag || $0.aliases.contains(flag) } }

    // MARK: - Config files

    /// Sets every key of the object `value` in `root` (nested objects for groups).
    public func apply(_ value: ConfigValue, to root: inout Root) throws(OptionError) {
        guard case let .object(o) = value else { throw OptionError("expected an object (keys \(children(of: "").joined(separator: ", "))) at the top level, got \(value)") }
        var spelled: [String: String] = [:]
        try apply(o, prefix: "", to: &root, spelled: &spelled)
    }

    /// `spelled`: the key each option was set by so far (its own or a former one).
    private func apply(_ object: [String: ConfigValue], prefix: String, to root: inout Root,
                       spelled: inout [String: String]) throws(OptionError) {
        for group in exclusive {
            let given = group.filter { object[Self.leaf($0, under: prefix) ?? ""] != nil }
            if given.count > 1 { throw OptionError("give \(given.joined(separator: " or ")), not both") }
        }
        for k in object.keys.sorted() {
            let full = Self.join(prefix, k), v = object[k]!
            if let o = option(readingKey: full) {
                if let other = spelled[o.key], other != full {
                    throw OptionError("give \([other, full].sorted().joined(separator: " or ")), not both (\(o.formerKeys.contains(full) ? full : other) is the older spelling of \(o.key))")
                }
                spelled[o.key] = full
                try o.write(&root, v)
            } else if isGroup(full) {
                if v == .null, let clear = nullableGroups[full] { clear(&root); continue }
                guard case let .object(inner) = v else {
                    throw OptionError("\(full): expected an object with keys \(children(of: full).joined(separator: ", ")), got \(v)")
                }
                try apply(inner, prefix: full, to: &root, spelled: &spelled)
            } else {
                throw unknownKey(full, under: prefix)
            }
        }
        let leaves = options.filter { Self.leaf($0.key, under: prefix) != nil }
        let required = leaves.filter { !$0.isNullable }
        if !required.isEmpty, required.allSatisfy({ object[Self.leaf($0.key, under: prefix)!] != nil }) {
            for o in leaves where o.isNullable && object[Self.leaf(o.key, under: prefix)!] == nil { try o.write(&root, .null) }
        }
    }

    /// The nested JSON object of every option present in `root`, keys sorted when printed.
    public func encode(_ root: Root) -> ConfigValue {
        var tree = ConfigValue.object([:])
        for o in options {
            guard let v = o.read(root) else { continue }
            tree = tree.merging(Self.nest(o.key.split(separator: ".").map(String.init), v))
        }
        return tree
    }

    /// `defaults` with the object a `Decoder` holds applied: a record's `init(from:)` through the table.
    public func decode(from decoder: any Decoder, onto defaults: Root) throws -> Root {
        var root = defaults
        try apply(ConfigValue(from: decoder), to: &root)
        return root
    }

    /// Encodes `root`'s object: a record's `encode(to:)` through the table.
    public func encode(_ root: Root, to encoder: any Encoder) throws {
        try encode(root).encode(to: encoder)
    }

    private static func nest(_ path: [String], _ v: ConfigValue) -> ConfigValue {
        path.reversed().reduce(v) { inner, k in .object([k: inner]) }
    }

    /// `root` with the options whose keys are in `keys` set to their values in `defaults`.
    public func resetting(_ keys: [String], in root: Root, to defaults: Root) -> Root {
        var r = root
        for o in options where keys.contains(o.key) {
            if let v = o.read(defaults) { try? o.write(&r, v) }
        }
        return r
    }

    // MARK: - The command line

    /// Applies `--set key.path=value`; returns the key set (an option's current key, or the
    /// nullable group cleared).
    @discardableResult
    public func set(_ assignment: String, in root: inout Root) throws(OptionError) -> String {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw OptionError("--set expects key.path=value (e.g. trainSubset=2000), got '\(assignment)'")
        }
        let key = String(assignment[..<eq]).trimmingSpaces, text = String(assignment[assignment.index(after: eq)...])
        if let o = option(readingKey: key) {
            try o.writeText(&root, text)
            return o.key
        }
        if let clear = nullableGroups[key], text.trimmingSpaces == "null" {
            clear(&root)
            return key
        }
        // A group (`optimizer`) takes no value itself: name its keys rather than every key.
        if !key.isEmpty, options.contains(where: { $0.key.hasPrefix(key + ".") }) {
            let inside = options.map(\.key).filter { $0.hasPrefix(key + ".") }
            throw OptionError("--set: \(key) is a group, not a value; set one of its keys (\(key).KEY=value): \(inside.joined(separator: ", "))")
        }
        // The same spelling first, then the same name in another group, then a near spelling.
        let keys = options.map(\.key)
        let near = Self.sameSpelling(key, among: keys)
            ?? elsewhere(key, under: key.split(separator: ".").dropLast().joined(separator: ".")).first ?? Self.nearest(key, among: keys)
        throw OptionError("--set: unknown key \(key); \(near.map { "did you mean \($0)? " } ?? "")valid keys: \(options.map(\.key).joined(separator: ", "))")
    }

    /// The refusal when `given` (the keys a command line's flags and `--set`s gave, as `parse`
    /// and `set` return them) holds more than one key of an `exclusive` group, else nil: the
    /// last would silently replace the others.
    public func exclusiveConflict(_ given: [String]) -> String? {
        for group in exclusive {
            let both = group.filter(given.contains)
            if both.count > 1 {
                let flags = both.compactMap { k in option(key: k).map { "--" + $0.flag } }
                return "give \(flags.joined(separator: " or ")) (\(both.joined(separator: " or "))), not both"
            }
        }
        return nil
    }

    /// Applies long flags (`--lr 0.05`, `--lr=0.05`, `--nesterov`, `--no-nesterov`) in order.
    /// The argument after a flag is always its value, so `--lr -1` reads -1 (then refused by the range).
    /// Returns the config keys the flags set, in order.
    @discardableResult
    public func parse(arguments: [String], into root: inout Root) throws(OptionError) -> [String] {
        var given: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            guard a.hasPrefix("--"), a.count > 2 else { throw OptionError("unexpected argument '\(a)'") }
            var name = String(a.dropFirst(2)), inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            let option: ConfigOption<Root>
            var text: String
            if let o = self.option(flag: name) {
                option = o
                if o.isSwitch && inline == nil {
                    text = "true"
                } else if let inline {
                    text = inline
                } else {
                    guard i < arguments.count else { throw OptionError("--\(name) needs a value (\(o.valueName))") }
                    text = arguments[i]
                    i += 1
                }
            } else if name.hasPrefix("no-"), let o = self.option(flag: String(name.dropFirst(3))), o.isSwitch, inline == nil {
                option = o
                text = "false"
            } else {
                let near = Self.nearest(name, among: options.map(\.flag))
                throw OptionError("unknown option --\(name)\(near.map { "; did you mean --\($0)?" } ?? "") (see --help)")
            }
            do { try option.writeText(&root, text) } catch { throw OptionError("--\(name): \(error.message)") }
            given.append(option.key)
        }
        if let conflict = exclusiveConflict(given) { throw OptionError(conflict) }
        return given
    }

    /// One entry per option: flag, value, config key, help, default (read from `defaults`) and range.
    public func helpText(defaults: Root) -> String {
        options.map { o in
            let value = o.isSwitch ? "" : " " + o.valueName
            let flag = o.isSwitch ? "--[no-]\(o.flag)" : "--\(o.flag)"
            var tail: [String] = []
            if let d = o.read(defaults) { tail.append("default \(d == .null ? "none" : d.description)") }
            if !o.rangeText.isEmpty { tail.append("must be \(o.rangeText)") }
            return "  \(flag)\(value)\n        \(o.key): \(o.help)" + (tail.isEmpty ? "" : " (\(tail.joined(separator: "; ")))")
        }.joined(separator: "\n")
    }

    // MARK: - Keys

    /// Whether some option lies below `key`.
    func isGroup(_ key: String) -> Bool { options.contains { $0.key.hasPrefix(key + ".") } || nullableGroups[key] != nil }

    /// The keys directly below `prefix` ("" = the top level), sorted.
    public func children(of prefix: String) -> [String] {
        Set(options.compactMap { o -> String? in
            let rest = prefix.isEmpty ? o.key : (o.key.hasPrefix(prefix + ".") ? String(o.key.dropFirst(prefix.count + 1)) : nil)
            return rest.map { String($0.split(separator: ".")[0]) }
        }).sorted()
    }

    private func unknownKey(_ full: String, under prefix: String) -> OptionError {
        let valid = children(of: prefix)
        let leaf = prefix.isEmpty ? full : String(full.dropFirst(prefix.count + 1))
        let near = Self.sameSpelling(leaf, among: valid)
            ?? elsewhere(leaf, under: prefix).first.map { key in
                let group = key.split(separator: ".").dropLast().joined(separator: ".")
                return "\(key) (\(group.isEmpty ? "at the top level" : "in \(group)"))"
            } ?? Self.nearest(leaf, among: valid)
        return OptionError("unknown key \(full); \(near.map { "did you mean \($0)? " } ?? "")valid\(prefix.isEmpty ? "" : " in \(prefix)"): \(valid.joined(separator: ", "))")
    }

    /// Full keys outside `prefix` whose last component is `leaf` spelled alike (case, `_`, `-`):
    /// a key given in the wrong group (`momentum` at the top level for `optimizer.momentum`).
    func elsewhere(_ leaf: String, under prefix: String) -> [String] {
        let wanted = Self.plainSpelling(leaf.split(separator: ".").last ?? Substring(leaf))
        return options.map(\.key).filter { key in
            guard let last = key.split(separator: ".").last, Self.plainSpelling(last) == wanted else { return false }
            return Self.leaf(key, under: prefix) == nil
        }
    }

    static func join(_ prefix: String, _ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    /// `key`'s last component when `key` lies directly below `prefix`, else nil.
    static func leaf(_ key: String, under prefix: String) -> String? {
        let rest = prefix.isEmpty ? key : (key.hasPrefix(prefix + ".") ? String(key.dropFirst(prefix.count + 1)) : "")
        return rest.isEmpty || rest.contains(".") ? nil : rest
    }

    /// The candidate that is `word` spelled otherwise (case, snake_case or kebab-case:
    /// `weight_decay` for `weightDecay`), or nil.
    public static func sameSpelling(_ word: String, among candidates: [String]) -> String? {
        let wanted = plainSpelling(word)
        return candidates.first { plainSpelling($0) == wanted }
    }

    /// `s` lowercased without `_` and `-`: how two spellings of one key are compared.
    static func plainSpelling(_ s: some StringProtocol) -> String { s.lowercased().filter { $0 != "_" && $0 != "-" } }

    /// The candidate closest to `word` (same letters ignoring case, else edit distance ≤ 1/3 of the length), or nil.
    public static func nearest(_ word: String, among candidates: [String]) -> String? {
        if let same = sameSpelling(word, among: candidates) { return same }
        // Initials of the last camelCase component, under the same prefix (`optimizer.lr` →
        // `optimizer.learningRate`), when exactly one candidate has them.
        func split(_ s: String) -> (prefix: Substring, last: Substring) {
            guard let dot = s.lastIndex(of: ".") else { return ("", Substring(s)) }
            return (s[..<dot], s[s.index(after: dot)...])
        }
        let (prefix, last) = split(word)
        if last.count >= 2 {
            let byInitials = candidates.filter { c in
                let (p, l) = split(c)
                let initials = String(l.enumerated().filter { $0.offset == 0 || $0.element.isUppercase }.map(\.element)).lowercased()
                return p == prefix && initials.count > 1 && initials == last.lowercased()
            }
            if byInitials.count == 1 { return byInitials[0] }
        }
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let (best, d) = scored, d <= max(2, word.count / 3) else { return nil }
        return best
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = old
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
