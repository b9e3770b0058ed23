import XCTest
@testable import Training

/// The checksum and fingerprint hash is standard XXH64: published digests (the xxHash and
/// python-xxhash documentation) cover the 32-byte lanes and each tail (8, 4 and 1 bytes) and the seed.
final class XXHash64Tests: XCTestCase {
    private func digest(_ text: String, seed: UInt64 = 0) -> String { XXHash64.hex(XXHash64.hash(Array(text.utf8), seed: seed)) }

    func testPublishedDigests() {
        XCTAssertEqual(digest(""), "ef46db3751d8e999")
        XCTAssertEqual(digest("abc"), "44bc2cf5ad770999")
        XCTAssertEqual(digest("Nobody inspects the spammish repetition"), "fbcea83c8a378bf1")
        XCTAssertEqual(digest("The quick brown fox jumps over the lazy dog"), "0b242d361fda71bc")
        XCTAssertEqual(digest("xxhash", seed: 20_141_025), "b559b98d844e0635")
    }

    func testHexIsSixteenDigitsWithLeadingZeros() {
        XCTAssertEqual(XXHash64.hex(0xAB), "00000000000000ab")
        XCTAssertEqual(XXHash64.hex(.max), "ffffffffffffffff")
    }
}
