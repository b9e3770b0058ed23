/// `n` and a noun, plural unless `n` is 1: "1 epoch", "3 epochs", "0 seeds". `plural` for
/// nouns that do not take an "s".
public func counted(_ n: Int, _ noun: String, plural: String? = nil) -> String {
    "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
}
