/// A network's name: the registry name, followed by the settings that were given (nil entries
/// are skipped) in parentheses, e.g. "conv2(width: 16, dropout: 0.5)"; just the name when none was.
func modelLabel(_ name: String, _ settings: [String?]) -> String {
    let given = settings.compactMap { $0 }
    return given.isEmpty ? name : "\(name)(\(given.joined(separator: ", ")))"
}
