/// A setting that is refused: which key, and a message a user can act on (the valid range or values).
public struct OptionError: Error, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
