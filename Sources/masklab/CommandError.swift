/// A user-facing error: ArgumentParser prints "Error: <message>" and exits with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
