import XCTest
import Options

/// A small record with one option of each kind, nested as run configs are.
private struct Inner: Equatable {
    var rate: Float = 0.05
    var decay: Float? = 1e-4
    var steps: [Int] = []
}

private struct Outer: Equatable {
    var seed: UInt64 = 0
    var name = "a"
    var on = true
    var inner = Inner()
    var extra: Inner?

    static var table: OptionTable<Outer> {
        let inner: [ConfigOption<Inner>] = [
            .value("rate", \.rate, flag: "rate", .float, .above(0), help: "rate"),
            .optional("decay", \.decay, flag: "decay", .float, .atLeast(0), help: "decay"),
            .value("steps", \.steps, flag: "steps", .list(of: .int, valueName: "<a,b>"), .each(.atLeast(0), strictlyIncreasing: true), help: "steps"),
        ]
        let own: [ConfigOption<Outer>] = [
            .value("seed", \.seed, flag: "seed", .uint64, help: "seed"),
            .value("name", \.name, flag: "name", .string(names: ["a", "b"]), .oneOf(["a", "b"]), help: "name"),
            .value("on", \.on, flag: "on", .bool, help: "switch"),
        ]
        return OptionTable(own + inner.map { $0.under("inner", \Outer.inner) }
                           + [ConfigOption<Inner>.value("rate", \.rate, flag: "extra-rate", .float, help: "r").under("extra", \Outer.extra, empty: { Inner() })],
                           nullableGroups: ["extra": { $0.extra = nil }])
    }
}

final class OptionTableTests: XCTestCase {
    private func decode(_ json: String) throws -> Outer {
        var o = Outer()
        try Outer.table.apply(ConfigText.json(json, path: "t.json"), to: &o)
        return o
    }

    private func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    func testPartialObjectKeepsTheDefaultsAndEncodesEveryKey() throws {
        let o = try decode(#"{"inner": {"rate": 0.5}}"#)
        XCTAssertEqual(o, Outer(inner: Inner(rate: 0.5)))
        let text = ConfigText.json(Outer.table.encode(o))
        XCTAssertEqual(try decode(text), o)
        XCTAssertTrue(text.contains("\"decay\": 0.0001"), text)
        XCTAssertFalse(text.contains("extra"), "an absent optional group is not written: \(text)")
    }

    func testUnknownKeysAtAnyDepthSuggestTheNearestKey() {
        XCTAssertEqual(message { _ = try decode(#"{"inner": {"Rate": 1}}"#) }, "unknown key inner.Rate; did you mean rate? valid in inner: decay, rate, steps")
        XCTAssertTrue(message { _ = try decode(#"{"sede": 1}"#) }.hasPrefix("unknown key sede; did you mean seed?"))
        XCTAssertTrue(message { _ = try decode(#"{"inner": 3}"#) }.hasPrefix("inner: expected an object"))
        // A key of another group, given here, names the group it belongs to.
        XCTAssertTrue(message { _ = try decode(#"{"decay": 1}"#) }.hasPrefix("unknown key decay; did you mean inner.decay (in inner)? valid: "))
        XCTAssertTrue(message { _ = try decode(#"{"inner": {"seed": 1}}"#) }.hasPrefix("unknown key inner.seed; did you mean seed (at the top level)? valid in inner: "))
        var o = Outer()
        XCTAssertTrue(message { try Outer.table.set("steps=1", in: &o) }.hasPrefix("--set: unknown key steps; did you mean inner.steps? "))
        XCTAssertTrue(message { try Outer.table.set("inner.on=1", in: &o) }.hasPrefix("--set: unknown key inner.on; did you mean on? "))
        // A key of another group wins over a near spelling in this one (inner.name is 2 edits from inner.rate).
        XCTAssertTrue(message { try Outer.table.set("inner.name=b", in: &o) }.hasPrefix("--set: unknown key inner.name; did you mean name? "))
        XCTAssertTrue(message { _ = try decode(#"{"inner": {"name": "b"}}"#) }.hasPrefix("unknown key inner.name; did you mean name (at the top level)?"))
    }

    func testTypeAndRangeMessagesNameTheKeyAndTheValue() {
        XCTAssertEqual(message { _ = try decode(#"{"seed": -3}"#) }, "seed: expected an unsigned integer, got -3")
        XCTAssertEqual(message { _ = try decode(#"{"inner": {"rate": -1}}"#) }, "inner.rate must be > 0, got -1")
        XCTAssertEqual(message { _ = try decode(#"{"inner": {"steps": [3, 1]}}"#) }, "inner.steps must be each ≥ 0, strictly increasing, got [3,1]")
        XCTAssertEqual(message { _ = try decode(#"{"name": "c"}"#) }, "name must be one of a, b, got \"c\"")
    }

    func testFlagsReadNegativeNumbersAsValuesAndRefuseNonFiniteOnes() {
        var o = Outer()
        XCTAssertEqual(message { try Outer.table.parse(arguments: ["--rate", "-1"], into: &o) }, "--rate: inner.rate must be > 0, got -1")
        XCTAssertEqual(message { try Outer.table.parse(arguments: ["--rate", "nan"], into: &o) }, "--rate: inner.rate: expected a finite number, got nan")
        XCTAssertEqual(message { try Outer.table.parse(arguments: ["--decay=inf"], into: &o) }, "--decay: inner.decay: expected a finite number (or null), got inf")
        XCTAssertEqual(message { try Outer.table.parse(arguments: ["--steps", "1,,2"], into: &o) }.prefix(24), "--steps: inner.steps: ex")
        XCTAssertTrue(message { try Outer.table.parse(arguments: ["--rat", "1"], into: &o) }.hasPrefix("unknown option --rat; did you mean --rate?"))
    }

    func testFlagsSwitchesSetAndNull() throws {
        var o = Outer()
        try Outer.table.parse(arguments: ["--rate=0.25", "--no-on", "--steps", "1, 5", "--decay", "null", "--extra-rate", "2"], into: &o)
        try Outer.table.set("seed=18446744073709551615", in: &o)
        XCTAssertEqual(o, Outer(seed: .max, on: false, inner: Inner(rate: 0.25, decay: nil, steps: [1, 5]), extra: Inner(rate: 2)))
        try Outer.table.set("extra=null", in: &o)
        XCTAssertNil(o.extra)
        XCTAssertTrue(message { try Outer.table.set("inner.rat=1", in: &o) }.hasPrefix("--set: unknown key inner.rat; did you mean inner.rate?"))
        // A group takes no value: its keys are named, not every key of the table.
        XCTAssertEqual(message { try Outer.table.set("inner=0.1", in: &o) },
                       "--set: inner is a group, not a value; set one of its keys (inner.KEY=value): inner.rate, inner.decay, inner.steps")
        // A list as a config file writes it reads as the comma-separated text.
        try Outer.table.set("inner.steps=[2,7]", in: &o)
        XCTAssertEqual(o.inner.steps, [2, 7])
        XCTAssertEqual(try decode(ConfigText.json(Outer.table.encode(o))), o, "64-bit seeds round-trip exactly")
    }

    /// A record written before every key was always written lists all non-null keys: a missing
    /// nullable key in such a complete group means null; in a partial group it takes the default.
    func testCompleteLegacyGroupsReadMissingNullableKeysAsNull() throws {
        XCTAssertNil(try decode(#"{"inner": {"rate": 0.1, "steps": []}}"#).inner.decay)
        XCTAssertEqual(try decode(#"{"inner": {"rate": 0.1}}"#).inner.decay, 1e-4)
    }

    func testHelpListsFlagKeyDefaultAndRange() {
        let help = Outer.table.helpText(defaults: Outer())
        XCTAssertTrue(help.contains("--rate <float>\n        inner.rate: rate (default 0.05; must be > 0)"), help)
        XCTAssertTrue(help.contains("--[no-]on"), help)
    }
}

final class ConfigTextTests: XCTestCase {
    func testJSONErrorsGiveLineAndColumn() {
        do {
            _ = try ConfigText.json("{\n  \"a\": 1,\n  \"b\": tru\n}", path: "c.json")
            XCTFail("accepted")
        } catch {
            XCTAssertEqual(error.line, 3)
            XCTAssertEqual(error.column, 8)
            XCTAssertTrue(error.description.hasPrefix("c.json:3:8: not valid JSON"), error.description)
        }
        XCTAssertThrowsError(try ConfigText.json(#"{"a": 1, "a": 2}"#, path: "d")) { XCTAssertTrue("\($0)".contains("duplicate key")) }
        XCTAssertThrowsError(try ConfigText.json("[1, 2,]", path: "e"))
        XCTAssertThrowsError(try ConfigText.json(#"{"a": 01}"#, path: "f"))
    }

    /// YAML in a .json file: the error says the file reads as YAML; broken JSON gets no such
    /// hint, whether YAML reads it (a trailing comma) or not; an empty file is called empty.
    func testYAMLInAJSONFileIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("masklab-yaml-hint-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("c.json"), broken = dir.appendingPathComponent("d.json")
        try "model: mlp\nbatchSize: 32\n".write(to: yaml, atomically: true, encoding: .utf8)
        try "{\"model\": ".write(to: broken, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigText.load(path: yaml.path)) { XCTAssertTrue("\($0)".contains("reads as YAML: name it .yaml"), "\($0)") }
        XCTAssertThrowsError(try ConfigText.load(path: broken.path)) { XCTAssertFalse("\($0)".contains("YAML"), "\($0)") }
        let trailing = dir.appendingPathComponent("e.json"), empty = dir.appendingPathComponent("f.json")
        try "{\"model\": \"mlp\",\n \"batchSize\": 32,\n}\n".write(to: trailing, atomically: true, encoding: .utf8)
        try " \n".write(to: empty, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigText.load(path: trailing.path)) { e in
            XCTAssertFalse("\(e)".contains("YAML"), "\(e)")
            XCTAssertTrue("\(e)".contains("e.json:3:1:"), "where the JSON broke: \(e)")
        }
        XCTAssertThrowsError(try ConfigText.load(path: empty.path)) { XCTAssertTrue("\($0)".contains("the file is empty"), "\($0)") }
    }

    func testJSONValuesKeepTheirText() throws {
        let v = try ConfigText.json(#"{"s": "x\"\u00e9\n", "n": [1e-08, -0.5, 18446744073709551615], "t": true, "z": null}"#, path: "")
        XCTAssertEqual(v, .object(["s": .string("x\"é\n"), "n": .array([.number("1e-08"), .number("-0.5"), .number("18446744073709551615")]),
                                   "t": .bool(true), "z": .null]))
        XCTAssertEqual(try ConfigText.json(ConfigText.json(v), path: ""), v)
    }

    func testYAMLReadsTheSameValues() throws {
        let yaml = """
        # a comment
        model: mlp
        optimizer:
          learningRate: 0.05
          nesterov: true
          weightDecay: null
        milestones: [30, 60]
        name: "0.5"
        """
        let v = try ConfigText.yaml(yaml, path: "c.yaml")
        XCTAssertEqual(v, .object(["model": .string("mlp"), "milestones": .array([.number("30"), .number("60")]), "name": .string("0.5"),
                                   "optimizer": .object(["learningRate": .number("0.05"), "nesterov": .bool(true), "weightDecay": .null])]))
        do {
            _ = try ConfigText.yaml("a: [1, 2\nb: 3", path: "bad.yaml")
            XCTFail("accepted")
        } catch {
            XCTAssertNotNil(error.line, error.description)
        }
    }

    /// Keys of an exclusive group given together on one command line (flags or `--set`) are
    /// refused, whichever way each was given.
    func testExclusiveKeysFromFlagsAndSetConflict() {
        let table = OptionTable<Outer>(Outer.table.options, exclusive: [["seed", "inner.rate"]])
        XCTAssertNil(table.exclusiveConflict(["seed", "name"]))
        XCTAssertEqual(table.exclusiveConflict(["inner.rate", "name", "seed"]), "give --seed or --rate (seed or inner.rate), not both")
    }

    func testCommaListRefusesEmptyItems() {
        XCTAssertEqual(CommaList.split(" 300, 100 "), ["300", "100"])
        XCTAssertNil(CommaList.split("300,,100"))
        XCTAssertNil(CommaList.split("300,"))
        XCTAssertNil(CommaList.split(""))
        XCTAssertThrowsError(try CommaList.parse("1,x", what: "--levels", expected: "an integer") { Int($0) }) {
            XCTAssertEqual("\($0)", "--levels: 'x' is not an integer; got '1,x'")
        }
    }
}
