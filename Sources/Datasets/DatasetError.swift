/// Everything that can go wrong finding, reading, downloading or checking a dataset.
///
/// Every case names the file (or URL). Content errors give the byte offset where the problem is,
/// what was expected and what was found; offsets inside a gzip file count bytes of the
/// *decompressed* stream, offsets inside a tar member count bytes of that member. A tar member is
/// named `archive.tar.gz:member/path`.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file or folder does not exist; `hint` says where else we looked and how to fetch the data.
    case missing(path: String, hint: String)
    /// The file ends at `offset` but `expected` bytes were needed in all (`got` = bytes present).
    case truncated(path: String, offset: Int, expected: Int, got: Int)
    /// The magic number at `offset` is not the one this format starts with.
    case badMagic(path: String, offset: Int, expected: UInt32, got: UInt32)
    /// A header field (e.g. image rows) at `offset` has an unsupported value.
    case badHeader(path: String, offset: Int, field: String, expected: Int, got: Int)
    /// Two counts that must agree do not (`what` names them, e.g. "labels vs images in …").
    case countMismatch(path: String, what: String, expected: Int, got: Int)
    /// The label byte at `offset` is not in `0..<classes`.
    case labelOutOfRange(path: String, offset: Int, label: Int, classes: Int)
    /// A size or count field at `offset` claims more than a stated limit (or than the file holds):
    /// refused before anything of that size is allocated. `limit` is the largest value accepted.
    case sizeOutOfRange(path: String, offset: Int, field: String, limit: Int, got: Int)
    /// A stream (decompressed data, a download) went on past `limit` bytes, the most its header or
    /// a stated cap allows; reading stopped at `offset` (= `limit`), so nothing beyond was kept.
    case tooLong(path: String, offset: Int, what: String, limit: Int)
    /// A gzip or tar archive is damaged; `message` is zlib's or the tar reader's, with the offset,
    /// what was expected there and what was found.
    case corruptArchive(path: String, message: String)
    /// The file's MD5 is not the official one.
    case checksumMismatch(path: String, expected: String, got: String)
    /// Fetching `url` failed (network error, HTTP status, …).
    case download(url: String, message: String)
    /// No dataset of that name; `valid` lists the names there are.
    case unknown(name: String, valid: [String])
    /// The operating system refused to read or write the file.
    case io(path: String, message: String)
    /// More validation samples were asked for than the training set holds.
    case validationTooLarge(name: String, requested: Int, available: Int)
    /// A class selection that names a label outside `0..<classes`, names one twice, or keeps
    /// fewer than two classes (`problem` says which).
    case invalidClasses(name: String, classes: [Int], available: Int, problem: String)

    public var description: String {
        switch self {
        case let .missing(path, hint):
            return "\(path): not found. \(hint)"
        case let .truncated(path, offset, expected, got):
            // A .gz file is read through gunzip: the offsets count the decompressed bytes.
            let whose = path.hasSuffix(".gz") ? "decompressed byte offset" : "byte offset"
            return "\(path): truncated at \(whose) \(offset): expected \(expected) bytes, got \(got). "
                + "Hint: the file is incomplete; fetch it again (`masklab data fetch NAME`)."
        case let .badMagic(path, offset, expected, got):
            return "\(path): bad magic number at byte offset \(offset): expected \(hex(expected)), got \(hex(got)). "
                + "Hint: this is not the file its name says (images and labels swapped, or not this format)."
        case let .badHeader(path, offset, field, expected, got):
            return "\(path): header field \(field) at byte offset \(offset): expected \(expected), got \(got). "
                + "Hint: the file is from another dataset or damaged."
        case let .countMismatch(path, what, expected, got):
            return "\(path): \(what): expected \(expected), got \(got). "
                + "Hint: the files come from different downloads or one is damaged."
        case let .labelOutOfRange(path, offset, label, classes):
            return "\(path): label \(label) at byte offset \(offset) is outside 0..<\(classes). "
                + "Hint: the file is damaged; fetch it again."
        case let .sizeOutOfRange(path, offset, field, limit, got):
            return "\(path): \(field) at byte offset \(offset): expected at most \(limit), got \(got). "
                + "Hint: the file is damaged or hostile; nothing was allocated for it. Fetch the official file again."
        case let .tooLong(path, offset, what, limit):
            return "\(path): \(what) goes on past byte offset \(offset): expected at most \(limit) bytes, got more "
                + "(reading stopped there). Hint: the file is damaged or not what its name says; fetch it again."
        case let .corruptArchive(path, message):
            return "\(path): corrupt archive: \(message). Hint: the download is damaged; fetch it again."
        case let .checksumMismatch(path, expected, got):
            return "\(path): MD5 \(got) differs from the official \(expected). "
                + "Hint: the file is damaged (fetch it again), or an unofficial copy (add --accept-checksum-mismatch to the fetch command to keep it if you trust it)."
        case let .download(url, message):
            return "\(url): download failed: \(message). Hint: check the network, or pass --mirror URL or a local archive."
        case let .unknown(name, valid):
            return "unknown dataset '\(name)'; valid names: \(valid.joined(separator: ", "))"
        case let .io(path, message):
            return "\(path): \(message)"
        case let .validationTooLarge(name, requested, available):
            return "\(name): a validation split of \(requested) samples needs more than the \(available) training samples"
        case let .invalidClasses(name, classes, available, problem):
            return "\(name): class selection \(classes.map(String.init).joined(separator: ",")): \(problem) "
                + "(labels of \(name) are 0…\(available - 1); give at least two distinct ones, e.g. 0,1,8,9)"
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
