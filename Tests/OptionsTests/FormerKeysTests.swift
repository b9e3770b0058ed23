import XCTest
import Options

/// A record whose option moved from a flat key (`rateOfInner`) into a group (`inner.rate`),
/// lifted into an outer record as run configs lift the masks.
private struct Moved: Equatable {
    var rate: Float = 0.05
    var seed: UInt64 = 0

    static var options: [ConfigOption<Moved>] {
        let rate = ConfigOption<Moved>.value("inner.rate", \.rate, flag: "rate", .float, .above(0), help: "rate")
        return [ConfigOption(key: rate.key, flag: rate.flag, formerKeys: ["rateOfInner"], help: rate.help, valueName: rate.valueName,
                             rangeText: rate.rangeText, read: rate.read, write: rate.write, writeText: rate.writeText),
                .value("seed", \.seed, flag: "seed", .uint64, help: "seed")]
    }
}

private struct Holder: Equatable {
    var moved = Moved()
    static var table: OptionTable<Holder> { OptionTable(Moved.options.map { $0.under("moved", \Holder.moved) }) }
}

/// Renamed config keys (`ConfigOption.formerKeys`): the older spelling is read from files and
/// `--set`, never written, and giving both spellings is refused.
final class FormerKeysTests: XCTestCase {
    private func decode(_ json: String) throws -> Holder {
        var h = Holder()
        try Holder.table.apply(ConfigText.json(json, path: "t.json"), to: &h)
        return h
    }

    func testTheFormerKeyIsReadAndTheNewOneWritten() throws {
        let old = try decode(#"{"moved": {"rateOfInner": 0.5, "seed": 3}}"#)
        let new = try decode(#"{"moved": {"inner": {"rate": 0.5}, "seed": 3}}"#)
        XCTAssertEqual(old, new)
        XCTAssertEqual(old.moved.rate, 0.5)
        let text = ConfigText.json(Holder.table.encode(old))
        XCTAssertFalse(text.contains("rateOfInner"), text)
        XCTAssertEqual(try decode(text), old, "the re-encoded file loads as the same config")
        XCTAssertEqual(Holder.table.option(readingKey: "moved.rateOfInner")?.key, "moved.inner.rate", "lifting prefixes the former key")
    }

    func testSetReadsTheFormerKeyAndItsRangeStillHolds() throws {
        var h = Holder()
        try Holder.table.set("moved.rateOfInner=0.25", in: &h)
        XCTAssertEqual(h.moved.rate, 0.25)
        XCTAssertThrowsError(try Holder.table.set("moved.rateOfInner=-1", in: &h)) { error in
            XCTAssertTrue("\(error)".contains("must be > 0"), "\(error)")
        }
    }

    func testBothSpellingsInOneFileAreRefused() {
        XCTAssertThrowsError(try decode(#"{"moved": {"rateOfInner": 0.5, "inner": {"rate": 0.5}}}"#)) { error in
            XCTAssertEqual("\(error)", "give moved.inner.rate or moved.rateOfInner, not both (moved.rateOfInner is the older spelling of moved.inner.rate)")
        }
    }
}
