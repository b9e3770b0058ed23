import Foundation

/// Small datasets written in the real on-disk formats (IDX, CIFAR-10 binary, gzip, tar), built
/// without zlib so that the readers are checked against an independent writer.
///
/// Pixel `j` of sample `i` is `pixel(i, j) = (i · 31 + j · 7 + 3) mod 256` and its label is
/// `i mod classes`, so tests can predict every byte.
public enum DatasetFixtures {
    /// The deterministic pixel pattern.
    public static func pixel(_ i: Int, _ j: Int) -> UInt8 { UInt8((i &* 31 &+ j &* 7 &+ 3) & 0xff) }

    // MARK: - Formats

    /// An IDX images file (magic 0x00000803) of `count` images of rows × cols.
    public static func idxImages(count: Int, rows: Int = 28, cols: Int = 28, offset: Int = 0) -> [UInt8] {
        var out = bigEndian(0x0000_0803) + bigEndian(UInt32(count)) + bigEndian(UInt32(rows)) + bigEndian(UInt32(cols))
        out.reserveCapacity(out.count + count * rows * cols)
        for i in 0..<count { for j in 0..<(rows * cols) { out.append(pixel(i + offset, j)) } }
        return out
    }

    /// An IDX labels file (magic 0x00000801).
    public static func idxLabels(_ labels: [UInt8]) -> [UInt8] {
        bigEndian(0x0000_0801) + bigEndian(UInt32(labels.count)) + labels
    }

    /// CIFAR-10 binary records: label byte then 3072 pixel bytes each.
    public static func cifarRecords(labels: [UInt8], offset: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(labels.count * 3073)
        for (i, l) in labels.enumerated() {
            out.append(l)
            for j in 0..<3072 { out.append(pixel(i + offset, j)) }
        }
        return out
    }

    /// A gzip file holding `data` in stored (uncompressed) deflate blocks, with a correct CRC-32.
    public static func gzip(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]   // magic, deflate, no flags, mtime 0, OS unknown
        var p = 0
        repeat {
            let n = min(65_535, data.count - p)
            let final: UInt8 = p + n == data.count ? 1 : 0
            out.append(final)                                        // BFINAL, BTYPE = 00 (stored)
            out += littleEndian16(UInt16(n)) + littleEndian16(~UInt16(n))
            out += data[p..<(p + n)]
            p += n
        } while p < data.count
        out += littleEndian32(crc32(data)) + littleEndian32(UInt32(truncatingIfNeeded: data.count))
        return out
    }

    /// A ustar archive of regular files (plus the two zero blocks that end it).
    public static func tar(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, data) in entries {
            var header = [UInt8](repeating: 0, count: 512)
            put(name, at: 0, in: &header)
            put("0000644", at: 100, in: &header)
            put("0000000", at: 108, in: &header)
            put("0000000", at: 116, in: &header)
            put(octal(data.count, width: 11), at: 124, in: &header)
            put("00000000000", at: 136, in: &header)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257, in: &header)
            put("00", at: 263, in: &header)
            for i in 148..<156 { header[i] = 32 }
            let sum = header.reduce(0) { $0 + Int($1) }
            put(octal(sum, width: 6), at: 148, in: &header)
            header[154] = 0
            header[155] = 32
            out += header + data
            out += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    /// CRC-32 (IEEE, as gzip uses).
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for b in data {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xedb8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    // MARK: - Whole datasets

    /// Labels `0, 1, …, classes − 1, 0, …` for `count` samples.
    public static func labels(_ count: Int, classes: Int = 10) -> [UInt8] { (0..<count).map { UInt8($0 % classes) } }

    /// Writes the four MNIST files (`.gz` or raw) into `folder`: `train` and `test` samples.
    public static func writeMNIST(to folder: URL, train: Int, test: Int, gzipped: Bool) throws {
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", idxImages(count: train)),
            ("train-labels-idx1-ubyte", idxLabels(labels(train))),
            ("t10k-images-idx3-ubyte", idxImages(count: test, offset: 1000)),
            ("t10k-labels-idx1-ubyte", idxLabels(labels(test))),
        ]
        for (name, bytes) in files {
            try write(gzipped ? gzip(bytes) : bytes, to: folder.appendingPathComponent(gzipped ? name + ".gz" : name))
        }
    }

    /// The CIFAR-10 members: five training batches of `perBatch` records and a test batch of `test`.
    public static func cifarMembers(perBatch: Int, test: Int) -> [(name: String, data: [UInt8])] {
        var members: [(name: String, data: [UInt8])] = (1...5).map { b in
            ("cifar-10-batches-bin/data_batch_\(b).bin", cifarRecords(labels: labels(perBatch), offset: (b - 1) * perBatch))
        }
        members.append(("cifar-10-batches-bin/test_batch.bin", cifarRecords(labels: labels(test), offset: 1000)))
        members.append(("cifar-10-batches-bin/batches.meta.txt", Array("airplane\nautomobile\n".utf8)))
        return members
    }

    /// Writes CIFAR-10 into `folder`, as the extracted `cifar-10-batches-bin/` or as `cifar-10-binary.tar.gz`.
    public static func writeCIFAR(to folder: URL, perBatch: Int, test: Int, archived: Bool) throws {
        let members = cifarMembers(perBatch: perBatch, test: test)
        if archived {
            try write(gzip(tar(members)), to: folder.appendingPathComponent("cifar-10-binary.tar.gz"))
        } else {
            for m in members { try write(m.data, to: folder.appendingPathComponent(m.name)) }
        }
    }

    /// Writes `bytes` to `url`, creating folders.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// The bytes of the file at `url`.
    public static func read(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    // MARK: - Helpers

    private static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }
    private static func littleEndian32(_ v: UInt32) -> [UInt8] { bigEndian(v).reversed() }
    private static func littleEndian16(_ v: UInt16) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8)] }
    private static func octal(_ v: Int, width: Int) -> String {
        let s = String(v, radix: 8)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    private static func put(_ s: String, at offset: Int, in header: inout [UInt8]) {
        for (k, b) in s.utf8.enumerated() { header[offset + k] = b }
    }
}
