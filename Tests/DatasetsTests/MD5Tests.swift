import XCTest
import Datasets

/// RFC 1321 test vectors, and streaming in uneven pieces.
final class MD5Tests: XCTestCase {
    func testReferenceVectors() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
            ("The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6"),
        ]
        for (text, digest) in vectors { XCTAssertEqual(MD5.hex(Array(text.utf8)), digest, "MD5(\"\(text)\")") }
    }

    func testStreamingEqualsOneShot() {
        let data = (0..<1000).map { UInt8(($0 * 37) & 255) }
        var h = MD5()
        var p = 0
        for step in [1, 63, 64, 65, 7, 200, 600] where p < data.count {
            let q = min(p + step, data.count)
            h.update(Array(data[p..<q]))
            p = q
        }
        XCTAssertEqual(h.finalize(), MD5.hex(data))
    }
}
