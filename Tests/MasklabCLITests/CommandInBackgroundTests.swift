import XCTest
import Foundation
import TestSupport

/// The background runner of the CLI tests reports a command that could not start instead of
/// looking like one that has not ended.
final class CommandInBackgroundTests: XCTestCase {
    func testAStartFailureIsThrownByWait() throws {
        let missing = TemporaryDirectory("masklab-background").file("no-such-masklab")
        let command = CommandInBackground(["--help"], executable: missing, timeout: 10)
        XCTAssertThrowsError(try command.wait(seconds: 10), "the missing executable must be reported")
        XCTAssertTrue(command.hasEnded)
    }
}
