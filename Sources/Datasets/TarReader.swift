/// A streaming reader of tar archives (POSIX ustar, GNU long names, PAX `path` records).
///
/// Feed it the archive's bytes in pieces of any size (e.g. straight out of `Gzip.inflate`); it
/// calls `onEntry` with each regular file's name and size, and if that returns true, `onData`
/// with the file's content in pieces, then `onEnd`. Other entry kinds (folders, links) are
/// skipped. Layout: each entry is a 512-byte header (name at 0, octal size at 124, checksum at
/// 148, type at 156, ustar prefix at 345) followed by the data padded to a multiple of 512; two
/// zero blocks end the archive.
///
/// Sizes read from headers are never trusted: a member (or long-name record) larger than
/// `memberLimit` is refused with the offset of its size field before the caller sees it, and the
/// caller receives the content in pieces as it arrives, so nothing is allocated from a claimed size.
struct TarReader {
    /// The largest long-name or PAX record accepted (real ones are a few hundred bytes).
    static let maxNameRecord = 1 << 16
    /// What the caller wants done with each regular file.
    struct Handlers {
        /// Name, size and header offset (in the archive) of the next regular file; return true to
        /// receive its content.
        var onEntry: (_ name: String, _ size: Int, _ offset: Int) throws(DatasetError) -> Bool
        /// A piece of the current file's content.
        var onData: (UnsafeBufferPointer<UInt8>) throws(DatasetError) -> Void
        /// The current file is complete.
        var onEnd: () throws(DatasetError) -> Void
    }

    private enum State {
        case header                                   // collecting a 512-byte header
        case data(remaining: Int, padding: Int, wanted: Bool, kind: UInt8)
        case padding(remaining: Int)
        case finished                                 // saw the end-of-archive zero block
    }

    let path: String
    /// The largest member accepted, in bytes.
    let memberLimit: Int
    private var handlers: Handlers
    private var state = State.header
    private var header = [UInt8](repeating: 0, count: 512)
    private var headerFill = 0
    private var offset = 0                            // archive bytes consumed
    private var longName: [UInt8] = []                // content of a GNU 'L' or PAX 'x' entry
    private var pendingName: String?                  // name for the next header, from 'L' / 'x'
    private var entryEnd = 0                          // archive offset where the current entry's data ends

    init(path: String, memberLimit: Int, handlers: Handlers) {
        self.path = path
        self.memberLimit = memberLimit
        self.handlers = handlers
    }

    /// Whether the end-of-archive marker was seen.
    var isFinished: Bool { if case .finished = state { return true } else { return false } }

    /// Consumes the next piece of the archive.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws(DatasetError) {
        var p = 0
        while p < bytes.count {
            switch state {
            case .finished:
                return   // trailing zero blocks / padding after the end marker
            case .header:
                let take = min(512 - headerFill, bytes.count - p)
                for k in 0..<take { header[headerFill + k] = bytes[p + k] }
                headerFill += take
                p += take
                offset += take
                if headerFill == 512 {
                    headerFill = 0
                    try parseHeader(at: offset - 512)
                }
            case let .data(remaining, padding, wanted, kind):
                let take = min(remaining, bytes.count - p)
                let piece = UnsafeBufferPointer(rebasing: bytes[p..<(p + take)])
                if kind == UInt8(ascii: "L") || kind == UInt8(ascii: "x") {
                    longName.append(contentsOf: piece)
                } else if wanted {
                    try handlers.onData(piece)
                }
                p += take
                offset += take
                let left = remaining - take
                if left == 0 {
                    if kind == UInt8(ascii: "L") {
                        pendingName = string(longName[...])
                    } else if kind == UInt8(ascii: "x") {
                        if let name = paxPath(longName) { pendingName = name }
                    } else if wanted {
                        try handlers.onEnd()
                    }
                    state = padding > 0 ? .padding(remaining: padding) : .header
                } else {
                    state = .data(remaining: left, padding: padding, wanted: wanted, kind: kind)
                }
            case let .padding(remaining):
                let take = min(remaining, bytes.count - p)
                p += take
                offset += take
                state = remaining - take > 0 ? .padding(remaining: remaining - take) : .header
            }
        }
    }

    /// Checks that the archive ended properly (after the last `feed`).
    func finish() throws(DatasetError) {
        if case .finished = state { return }
        // Many writers omit the end marker; ending on a clean entry boundary is fine.
        if case .header = state, headerFill == 0 { return }
        if case .header = state {
            throw .truncated(path: path, offset: offset, expected: offset - headerFill + 512, got: offset)
        }
        throw .truncated(path: path, offset: offset, expected: entryEnd, got: offset)
    }

    private mutating func parseHeader(at start: Int) throws(DatasetError) {
        if header.allSatisfy({ $0 == 0 }) {
            state = .finished
            return
        }
        // Checksum: sum of all header bytes with the checksum field itself read as spaces.
        var sum = 0
        for (i, b) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(b) }
        guard let stored = octal(148, 8), stored == sum else {
            throw .corruptArchive(path: path, message:
                "tar header checksum at byte offset \(start + 148): expected \(sum), got \(octal(148, 8).map(String.init) ?? "unreadable")")
        }
        guard let size = number(124, 12) else {
            throw .corruptArchive(path: path, message: "tar header size field at byte offset \(start + 124): expected octal "
                                  + "digits or a base-256 number, got bytes \(header[124..<136].map { String($0) }.joined(separator: " "))")
        }
        let kind = header[156]
        var name = string(header[0..<100])
        if header[257..<262].elementsEqual("ustar".utf8) {
            let prefix = string(header[345..<500])
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        if let long = pendingName, kind != UInt8(ascii: "L"), kind != UInt8(ascii: "x") {
            name = long
            pendingName = nil
        }
        let isName = kind == UInt8(ascii: "L") || kind == UInt8(ascii: "x")
        let limit = isName ? Self.maxNameRecord : memberLimit
        guard size <= limit else {
            throw .sizeOutOfRange(path: path, offset: start + 124, field: "size of tar member '\(name)'",
                                  limit: limit, got: size)
        }
        let padding = (512 - size % 512) % 512
        entryEnd = start + 512 + size + padding
        var wanted = false
        if isName {
            longName = []
        } else if kind == UInt8(ascii: "0") || kind == 0 || kind == UInt8(ascii: "7") {
            wanted = try handlers.onEntry(name, size, start)
        }
        if size == 0 {
            if wanted { try handlers.onEnd() }
            state = .header
        } else {
            state = .data(remaining: size, padding: padding, wanted: wanted, kind: kind)
        }
    }

    /// A NUL-terminated string field.
    private func string(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// An octal field (spaces and NULs around the digits allowed).
    private func octal(_ at: Int, _ length: Int) -> Int? {
        var value = 0, digits = 0
        for b in header[at..<(at + length)] {
            if b == 0 || b == 32 { if digits > 0 { break } else { continue } }
            guard b >= 48 && b <= 55 else { return nil }
            value = value * 8 + Int(b - 48)
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// A size field: octal, or GNU base-256 when the high bit of the first byte is set.
    private func number(_ at: Int, _ length: Int) -> Int? {
        if header[at] & 0x80 != 0 {
            var value = Int(header[at] & 0x7f)
            for b in header[(at + 1)..<(at + length)] {
                guard value < (Int.max >> 8) else { return nil }
                value = value << 8 | Int(b)
            }
            return value
        }
        return octal(at, length)
    }

    /// The `path` record of a PAX extended header ("LEN path=VALUE\n" records).
    private func paxPath(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        for record in text.split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let kv = record[record.index(after: space)...]
            if kv.hasPrefix("path=") { return String(kv.dropFirst(5)) }
        }
        return nil
    }
}
