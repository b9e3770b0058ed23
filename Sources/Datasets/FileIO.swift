#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain POSIX file access with typed errors: whole-file reads, chunked reads, atomic writes.
enum FileIO {
    /// Whether `path` exists; `directory` tells whether it is a folder.
    static func exists(_ path: String, directory: Bool? = nil) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        guard let directory else { return true }
        return ((st.st_mode & S_IFMT) == S_IFDIR) == directory
    }

    /// Size in bytes of the file at `path`.
    static func size(_ path: String) throws(DatasetError) -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .missing(path: path, hint: "") }
        return Int(st.st_size)
    }

    /// The whole file as bytes.
    static func readAll(_ path: String) throws(DatasetError) -> [UInt8] {
        let out = ByteAccumulator(capacity: try size(path))
        try forEachChunk(path) { chunk throws(DatasetError) in out.append(chunk) }
        return out.toArray()
    }

    /// Calls `body` with consecutive chunks (at most `chunkSize` bytes) of the file at `path`.
    static func forEachChunk(_ path: String, chunkSize: Int = 1 << 20,
                             _ body: (UnsafeBufferPointer<UInt8>) throws(DatasetError) -> Void) throws(DatasetError) {
        guard let file = fopen(path, "rb") else {
            if !exists(path) { throw .missing(path: path, hint: "") }
            throw .io(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { buffer.deallocate() }
        while true {
            let n = fread(buffer, 1, chunkSize, file)
            if n > 0 { try body(UnsafeBufferPointer(start: buffer, count: n)) }
            if n < chunkSize {
                if ferror(file) != 0 { throw .io(path: path, message: "read error: \(String(cString: strerror(errno)))") }
                return
            }
        }
    }

    /// An open file for writing; `finish()` renames it into place, dropping it deletes it.
    final class Writer {
        let path: String
        let partPath: String
        private var file: UnsafeMutablePointer<FILE>?
        private var finished = false                  // renamed into place or discarded

        /// Starts writing `path` (as `path.part` until `finish()`), creating its folder if needed.
        ///
        /// A `path.part` already there is removed first, never opened: if it is a symbolic link
        /// (left by accident or planted), the link goes, not what it points to, and the new file
        /// is created with `O_EXCL | O_NOFOLLOW`, so nothing outside the folder is ever written.
        init(path: String) throws(DatasetError) {
            self.path = path
            partPath = path + ".part"
            try FileIO.makeDirectory(parent(of: path))
            if unlink(partPath) != 0 && errno != ENOENT {
                throw .io(path: partPath, message: "cannot remove the old partial file: \(String(cString: strerror(errno)))")
            }
            let fd = open(partPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .io(path: partPath, message: "cannot create: \(String(cString: strerror(errno)))") }
            guard let f = fdopen(fd, "wb") else {
                let message = String(cString: strerror(errno))
                _ = FileIO.closeDescriptor(fd)
                throw .io(path: partPath, message: "cannot open for writing: \(message)")
            }
            file = f
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws(DatasetError) {
            guard let file, bytes.count > 0 else { return }
            if fwrite(bytes.baseAddress!, 1, bytes.count, file) != bytes.count {
                throw .io(path: partPath, message: "write failed: \(String(cString: strerror(errno)))")
            }
        }

        /// Closes the file (it stays `path.part`); `finish()` does this too.
        func closeFile() throws(DatasetError) {
            guard let f = file else { return }
            file = nil
            if fclose(f) != 0 {
                unlink(partPath)
                throw .io(path: partPath, message: "close failed: \(String(cString: strerror(errno)))")
            }
        }

        /// Closes the file and moves it to its final name.
        func finish() throws(DatasetError) {
            try closeFile()
            guard !finished else { return }
            finished = true
            if rename(partPath, path) != 0 {
                throw .io(path: path, message: "cannot rename from \(partPath): \(String(cString: strerror(errno)))")
            }
        }

        /// Closes and deletes the partial file (unless it was already moved into place or
        /// discarded: a later call never touches a newer file of the same name).
        func discard() {
            if let f = file { fclose(f) }
            file = nil
            if !finished { unlink(partPath) }
            finished = true
        }

        deinit { discard() }
    }

    /// `close(2)`, under a name that the `Writer` methods do not shadow.
    private static func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

    /// Creates `path` and its parents (no error if it exists).
    static func makeDirectory(_ path: String) throws(DatasetError) {
        if path.isEmpty || exists(path, directory: true) { return }
        try makeDirectory(parent(of: path))
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .io(path: path, message: "cannot create folder: \(String(cString: strerror(errno)))")
        }
    }

    /// The folder part of `path` ("" if none).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
