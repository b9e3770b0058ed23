import Foundation

/// Names a run by its configuration, as OpenLTH does: a readable prefix plus a short hash of
/// every setting that differs from the defaults, so two runs share a folder exactly when they
/// share a configuration.
public enum RunName {
    /// `prefix` + "-" + the first 8 hex digits of FNV-1a-64 over the canonical JSON (sorted keys)
    /// of the settings in `config` whose values differ from `defaults`; just `prefix` when none do.
    /// `hashedAs` renames keys before hashing: an option whose key changed is hashed under its
    /// first key, so runs named before the rename keep their names.
    public static func make<C: Encodable>(prefix: String, config: C, defaults: C, hashedAs: [String: String] = [:]) -> String {
        var changed: [String: String] = [:]
        for (k, v) in nonDefault(config: config, defaults: defaults) { changed[hashedAs[k] ?? k] = v }
        if changed.isEmpty { return prefix }
        return prefix + "-" + String(format: "%08x", UInt32(truncatingIfNeeded: fnv1a(canonical(changed)) >> 32))
    }

    /// The settings of `config` that differ from `defaults`, as a flat key → JSON-text map.
    public static func nonDefault<C: Encodable>(config: C, defaults: C) -> [String: String] {
        let a = flatten(config), b = flatten(defaults)
        var out: [String: String] = [:]
        for (k, v) in a where b[k] != v { out[k] = v }
        for k in b.keys where a[k] == nil { out[k] = "null" }
        return out
    }

    static func flatten<C: Encodable>(_ value: C) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value),
              let object = try? JSONSerialization.jsonObject(with: data) else { return [:] }
        var out: [String: String] = [:]
        func walk(_ o: Any, _ path: String) {
            if let d = o as? [String: Any] {
                for (k, v) in d { walk(v, path.isEmpty ? k : path + "." + k) }
            } else if let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .fragmentsAllowed]),
                      let s = String(data: data, encoding: .utf8) {
                out[path] = s
            }
        }
        walk(object, "")
        return out
    }

    static func canonical(_ map: [String: String]) -> String {
        map.keys.sorted().map { "\($0)=\(map[$0]!)" }.joined(separator: ";")
    }

    /// FNV-1a, 64 bit: a stable hash (Swift's `Hasher` is randomly seeded per process).
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
