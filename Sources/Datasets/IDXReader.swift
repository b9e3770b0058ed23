/// Reads one IDX file (raw or gzipped) with its header checked before any size in it is trusted.
///
/// The header gives the exact size of the file: magic (4 bytes), count (4), and for images rows
/// and cols (4 each), then `count · rows · cols` bytes. The count is checked against a stated
/// limit (`maxCount`) before anything is allocated; a raw file's length is compared with the
/// header before its data is read; a gzipped file is decompressed only up to the size the header
/// gives — one byte more and it is refused (`tooLong`), so a small `.gz` that expands to
/// gigabytes costs no more memory than the file it claims to be.
struct IDXReader {
    /// What the file holds: its magic number and the bytes of one sample.
    struct Kind {
        let magic: UInt32
        let headerSize: Int
        /// Expected `(rows, cols)` for image files (checked), nil for label files.
        let imageSize: (rows: Int, cols: Int)?
        var noun: String { imageSize == nil ? "labels" : "images" }
        var sampleBytes: Int { imageSize.map { $0.rows * $0.cols } ?? 1 }
    }

    let path: String
    let kind: Kind
    let maxCount: Int

    /// The sample count and the bytes after the header.
    func read() throws(DatasetError) -> (count: Int, payload: [UInt8]) {
        let gzipped = try Gzip.isGzip(path: path)
        let fileSize: Int? = gzipped ? nil : try FileIO.size(path)
        var header: [UInt8] = []
        var payload: ByteAccumulator?
        var count = 0
        var expected = 0          // total file (decompressed) size the header gives
        var total = 0             // bytes seen so far

        func feed(_ piece: UnsafeBufferPointer<UInt8>) throws(DatasetError) {
            var p = 0
            if payload == nil {
                let take = min(kind.headerSize - header.count, piece.count)
                header.append(contentsOf: piece[0..<take])
                p = take
                total += take
                guard header.count == kind.headerSize else { return }
                (count, expected) = try parseHeader(header, fileSize: fileSize)
                // Grows as data arrives: a lying count never allocates more than was read.
                payload = ByteAccumulator(capacity: min(expected - kind.headerSize, 1 << 24))
            }
            guard p < piece.count, let payload else { return }
            let rest = piece.count - p
            guard total + rest <= expected else {
                throw .tooLong(path: path, offset: expected, what: "decompressed data (the header at offset 4 gives \(count) "
                               + "\(kind.noun), \(expected) bytes in all)", limit: expected)
            }
            payload.append(UnsafeBufferPointer(rebasing: piece[p...]))
            total += rest
        }

        if gzipped {
            try Gzip.inflate(path: path, feed)
        } else {
            try FileIO.forEachChunk(path, feed)
        }
        if header.count >= 4 { try checkMagic(header) }
        guard let payload, header.count == kind.headerSize else {
            throw .truncated(path: path, offset: total, expected: kind.headerSize, got: total)
        }
        guard total == expected else { throw .truncated(path: path, offset: total, expected: expected, got: total) }
        return (count, payload.toArray())
    }

    /// Validates the header; returns the sample count and the total size it implies.
    private func parseHeader(_ header: [UInt8], fileSize: Int?) throws(DatasetError) -> (count: Int, size: Int) {
        try checkMagic(header)
        let count = Int(bigEndian32(header, 4))
        if let (rows, cols) = kind.imageSize {
            let gotRows = Int(bigEndian32(header, 8)), gotCols = Int(bigEndian32(header, 12))
            guard gotRows == rows else { throw .badHeader(path: path, offset: 8, field: "rows", expected: rows, got: gotRows) }
            guard gotCols == cols else { throw .badHeader(path: path, offset: 12, field: "cols", expected: cols, got: gotCols) }
        }
        guard count <= maxCount else {
            throw .sizeOutOfRange(path: path, offset: 4, field: "number of \(kind.noun)", limit: maxCount, got: count)
        }
        let size = kind.headerSize + count * kind.sampleBytes
        if let fileSize {
            guard fileSize >= size else { throw .truncated(path: path, offset: fileSize, expected: size, got: fileSize) }
            guard fileSize == size else {
                throw .countMismatch(path: path, what: "file size in bytes for \(count) \(kind.noun) (extra data at offset \(size))",
                                     expected: size, got: fileSize)
            }
        }
        return (count, size)
    }

    private func checkMagic(_ header: [UInt8]) throws(DatasetError) {
        let magic = bigEndian32(header, 0)
        guard magic == kind.magic else { throw .badMagic(path: path, offset: 0, expected: kind.magic, got: magic) }
    }
}
