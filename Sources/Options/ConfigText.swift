import Foundation
import Yams

/// A config file that cannot be read or parsed: the file, and where possible the line and column.
public struct ConfigTextError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public var description: String {
        guard let line, let column else { return "\(path): \(message)" }
        return "\(path):\(line):\(column): \(message)"
    }
}

/// Reading and writing config text: JSON (own parser, so every syntax error has a line and a
/// column and numbers keep their text) and YAML (through Yams), chosen by the file extension.
public enum ConfigText {
    /// Reads the file at `path`: `.yaml`/`.yml` as YAML, anything else as JSON.
    public static func load(path: String) throws(ConfigTextError) -> ConfigValue {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConfigTextError(path: path, message: "cannot read the file: \(error.localizedDescription)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let start = text.first { !$0.isWhitespace }
        guard start != nil else { throw ConfigTextError(path: path, message: "the file is empty (a config is a JSON object, or YAML in a .yaml file)") }
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "yaml" || ext == "yml" { return try yaml(text, path: path) }
        do { return try json(text, path: path) } catch {
            // YAML in a file named otherwise: say so, rather than only where the JSON broke (not
            // for broken JSON such as a trailing comma, which YAML's flow style also reads).
            var e = error
            if start != "{" && start != "[", case .object? = try? yaml(text, path: path) {
                e.message += " (the file reads as YAML: name it .yaml or .yml to have it read as YAML)"
            }
            throw e
        }
    }

    /// Parses JSON text. Duplicate keys are an error (the second would silently win).
    public static func json(_ text: String, path: String) throws(ConfigTextError) -> ConfigValue {
        var p = JSONParser(bytes: Array(text.utf8), path: path)
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    /// Parses YAML text (one document). Plain scalars that read as numbers, booleans or null
    /// become those; quoted scalars stay strings.
    public static func yaml(_ text: String, path: String) throws(ConfigTextError) -> ConfigValue {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            if let e = error as? YamlError {
                switch e {
                case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _):
                    throw ConfigTextError(path: path, line: mark.line, column: mark.column, message: "not valid YAML: \(problem)")
                default: break
                }
            }
            throw ConfigTextError(path: path, message: "not valid YAML: \(error)")
        }
        guard let node else { return .object([:]) }
        return try convert(node, path: path)
    }

    private static func convert(_ node: Node, path: String) throws(ConfigTextError) -> ConfigValue {
        switch node {
        case let .scalar(s):
            guard s.style == .plain || s.style == .any else { return .string(s.string) }
            switch s.string {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: return isNumber(s.string) ? .number(s.string) : .string(s.string)
            }
        case let .sequence(seq):
            var out: [ConfigValue] = []
            for n in seq { out.append(try convert(n, path: path)) }
            return .array(out)
        case let .mapping(map):
            var out: [String: ConfigValue] = [:]
            for (k, v) in map {
                guard case let .scalar(key) = k else {
                    throw ConfigTextError(path: path, line: k.mark?.line, column: k.mark?.column, message: "a key must be a plain name")
                }
                guard out[key.string] == nil else {
                    throw ConfigTextError(path: path, line: k.mark?.line, column: k.mark?.column, message: "duplicate key \(key.string)")
                }
                out[key.string] = try convert(v, path: path)
            }
            return .object(out)
        }
    }

    /// Whether `text` is a JSON number.
    static func isNumber(_ text: String) -> Bool {
        var p = JSONParser(bytes: Array(text.utf8), path: "")
        guard let b = p.peek(), b == UInt8(ascii: "-") || (b >= 48 && b <= 57) else { return false }
        return (try? p.number()) != nil && p.i == p.bytes.count
    }

    /// JSON text of `value`, keys sorted; `pretty` indents by two spaces, one member per line.
    public static func json(_ value: ConfigValue, pretty: Bool = true) -> String {
        var out = ""
        write(value, indent: "", pretty: pretty, to: &out)
        return out
    }

    private static func write(_ v: ConfigValue, indent: String, pretty: Bool, to out: inout String) {
        let inner = indent + "  "
        switch v {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(t): out += t
        case let .string(s): out += quoted(s)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            if pretty && a.allSatisfy({ $0.object == nil }) {
                out += "[" + a.map { json($0, pretty: false) }.joined(separator: ", ") + "]"
                return
            }
            out += "["
            for (i, e) in a.enumerated() {
                out += (i > 0 ? "," : "") + (pretty ? "\n" + inner : "")
                write(e, indent: inner, pretty: pretty, to: &out)
            }
            out += (pretty ? "\n" + indent : "") + "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (i, k) in o.keys.sorted().enumerated() {
                out += (i > 0 ? "," : "") + (pretty ? "\n" + inner : "") + quoted(k) + (pretty ? ": " : ":")
                write(o[k]!, indent: inner, pretty: pretty, to: &out)
            }
            out += (pretty ? "\n" + indent : "") + "}"
        }
    }

    /// `s` as a JSON string literal (quotes, backslashes and control characters escaped; other
    /// characters as they are). Also the safetensors header's quoting, which must match the
    /// reference library byte for byte.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// A small strict JSON parser (RFC 8259) that reports line and column.
struct JSONParser {
    let bytes: [UInt8]
    let path: String
    var i = 0
    var depth = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    func error(_ message: String) -> ConfigTextError {
        var line = 1, column = 1
        for b in bytes[..<min(i, bytes.count)] {
            if b == 10 { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return ConfigTextError(path: path, line: line, column: column, message: "not valid JSON: \(message)")
    }

    mutating func skipSpace() {
        while let b = peek(), b == 32 || b == 9 || b == 10 || b == 13 { i += 1 }
    }

    mutating func expect(_ word: String) throws(ConfigTextError) {
        let start = i
        for c in word.utf8 {
            guard peek() == c else {
                i = start
                throw error("unexpected text; expected \(word)")
            }
            i += 1
        }
    }

    mutating func value() throws(ConfigTextError) -> ConfigValue {
        guard let b = peek() else { throw error("unexpected end of the text; expected a value") }
        switch b {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), 48...57: return .number(try number())
        default: throw error("unexpected character '\(Character(Unicode.Scalar(b)))'; expected a value")
        }
    }

    mutating func object() throws(ConfigTextError) -> ConfigValue {
        depth += 1
        guard depth <= 64 else { throw error("nested deeper than 64 levels") }
        i += 1
        var out: [String: ConfigValue] = [:]
        skipSpace()
        if peek() == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(out) }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
            let start = i
            let key = try string()
            guard out[key] == nil else { i = start; throw error("duplicate key \"\(key)\"") }
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\"") }
            i += 1
            skipSpace()
            out[key] = try value()
            skipSpace()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            if peek() == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(out) }
            throw error("expected ',' or '}'")
        }
    }

    mutating func array() throws(ConfigTextError) -> ConfigValue {
        depth += 1
        guard depth <= 64 else { throw error("nested deeper than 64 levels") }
        i += 1
        var out: [ConfigValue] = []
        skipSpace()
        if peek() == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(out) }
        while true {
            skipSpace()
            out.append(try value())
            skipSpace()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            if peek() == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(out) }
            throw error("expected ',' or ']'")
        }
    }

    mutating func number() throws(ConfigTextError) -> String {
        let start = i
        func digits(_ p: inout JSONParser) -> Int {
            var n = 0
            while let b = p.peek(), b >= 48 && b <= 57 { p.i += 1; n += 1 }
            return n
        }
        if peek() == UInt8(ascii: "-") { i += 1 }
        if peek() == UInt8(ascii: "0") { i += 1 } else if digits(&self) == 0 { throw error("expected digits") }
        if peek() == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw error("expected digits after '.'") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw error("expected digits in the exponent") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func string() throws(ConfigTextError) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw error("unterminated string") }
            i += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = peek() else { throw error("unterminated string") }
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), peek() == UInt8(ascii: "\\") {
                        i += 1
                        try expect("u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            case 0..<0x20: throw error("control character in a string")
            default: out.append(b)
            }
        }
    }

    mutating func hex4() throws(ConfigTextError) -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
            throw error("expected four hex digits after \\u")
        }
        i += 4
        return v
    }
}
