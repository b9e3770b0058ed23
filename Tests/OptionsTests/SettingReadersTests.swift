import XCTest
@testable import Options

/// `SettingReaders`: the one mechanism behind "this optimiser / schedule / sampler / model does
/// not read that setting".
final class SettingReadersTests: XCTestCase {
    /// Without candidates the judged keys are the union of the lists; a key nobody lists is common.
    func testUnionOfReadsIsJudgedWhenNoCandidatesAreGiven() {
        let r = SettingReaders([("sgd", ["momentum", "nesterov"]), ("adam", ["beta1", "beta2"]), ("adamw", ["beta1", "beta2"])])
        XCTAssertEqual(r.specificKeys, ["momentum", "nesterov", "beta1", "beta2"])
        XCTAssertEqual(r.unreadKeys(of: "adam"), ["momentum", "nesterov"])
        XCTAssertEqual(r.unreadKeys(of: "sgd"), ["beta1", "beta2"])
        XCTAssertEqual(r.readers(of: "beta1"), ["adam", "adamw"])
        XCTAssertEqual(r.readers(of: "learningRate"), [], "a common key is listed by no variant")
        XCTAssertEqual(r.unreadKeys(of: "unknown"), [], "an unknown variant is refused nothing")
    }

    /// A group name covers every key under it and nothing that merely shares its prefix.
    func testGroupNamesCoverTheirKeysOnly() {
        let r = SettingReaders([("none", []), ("dropconnect", ["keep", "target"]), ("importance", ["keep", "target", "importance"])],
                               candidates: ["keep", "target", "importance.eta", "importance.steps.max", "importanceFloor"])
        XCTAssertEqual(r.unreadKeys(of: "none"), ["keep", "target", "importance.eta", "importance.steps.max", "importanceFloor"])
        XCTAssertEqual(r.unreadKeys(of: "dropconnect"), ["importance.eta", "importance.steps.max", "importanceFloor"])
        XCTAssertEqual(r.unreadKeys(of: "importance"), ["importanceFloor"])
        XCTAssertEqual(r.readers(of: "importance.steps.max"), ["importance"])
        XCTAssertEqual(r.readers(of: "keep"), ["dropconnect", "importance"])
        XCTAssertTrue(r.reads("importance", "importance.eta"))
        XCTAssertFalse(r.reads("importance", "importanceFloor"))
        XCTAssertTrue(r.reads("unknown", "keep"))
    }
}
