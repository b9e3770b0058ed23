import Foundation

extension RunConfig {
    /// A run config from a decoded JSON object, with the same checks as `load(from:)`
    /// (unknown top-level keys fail; nested records reject their own unknown keys).
    public static func decode(_ dict: [String: Any], path: String) throws(RunError) -> RunConfig {
        let unknown = Set(dict.keys).subtracting(knownKeys)
        if !unknown.isEmpty {
            throw .config(path: path, message: "unknown keys \(unknown.sorted()); valid keys: \(knownKeys.sorted().joined(separator: ", "))")
        }
        do {
            let data = try JSONSerialization.data(withJSONObject: dict)
            return try JSONDecoder().decode(RunConfig.self, from: data)
        } catch {
            throw .config(path: path, message: describe(error))
        }
    }
}
