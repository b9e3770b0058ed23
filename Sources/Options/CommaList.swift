/// The one parser of comma-separated command-line lists (`--hidden 300,100`, `--mask-exclude first,last`,
/// `--branch-levels 3,5`, `--workloads mlp,resnet18-w16`).
public enum CommaList {
    /// The items of `text`, each trimmed of spaces; nil when an item is empty (`300,,100`, `300,`,
    /// an empty text), so that a typo is refused instead of silently dropped.
    public static func split(_ text: String) -> [String]? {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        return items.contains(where: \.isEmpty) ? nil : items
    }

    /// The items of `text` read by `parse`; the error names `what` and the first bad item.
    public static func parse<T>(_ text: String, what: String, expected: String, _ parse: (String) -> T?) throws(OptionError) -> [T] {
        guard let items = split(text) else {
            throw OptionError("\(what): expected comma-separated \(expected) without empty items, got '\(text)'")
        }
        var out: [T] = []
        for item in items {
            guard let v = parse(item) else { throw OptionError("\(what): '\(item)' is not \(expected); got '\(text)'") }
            out.append(v)
        }
        return out
    }
}
