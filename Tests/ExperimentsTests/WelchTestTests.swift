import XCTest
import Stats

/// Welch's t-test against SciPy 1.17.1: `scipy.stats.ttest_ind(a, b, equal_var=False)` for t and
/// p, and the Welch–Satterthwaite formula in NumPy 2.4.6 for df (the script is in the comments of
/// each case). Tolerance: relative 1e-9 (both sides use double precision and GSL's/Boost's t CDF).
final class WelchTestTests: XCTestCase {
    private func check(_ a: [Double], _ b: [Double], t: Double, df: Double, p: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let w = try XCTUnwrap(WelchTest(a, b), file: file, line: line)
        for (name, got, want) in [("t", w.t, t), ("df", w.degreesOfFreedom, df), ("p", w.p, p)] {
            let err = abs(got - want) / abs(want)
            XCTAssertLessThan(err, 1e-9, "\(name): got \(got), SciPy \(want), relative error \(err)", file: file, line: line)
        }
    }

    func testAgainstSciPy() throws {
        // Five seeds of two arms (accuracies): a clear difference.
        try check([0.9812, 0.9807, 0.9821, 0.9799, 0.9815], [0.9761, 0.9770, 0.9748, 0.9766, 0.9759],
                  t: 9.486453529953051, df: 7.999896337930055, p: 1.256546713128459e-05)
        // The 15 + 15 example of the Wikipedia article "Welch's t-test" (A1 vs A2; it gives t = −2.46, df = 24.99, p = 0.021).
        try check([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
                  [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4],
                  t: -2.455356398286006, df: 24.988529290231416, p: 0.021378001462866992)
        // Unequal sizes and very unequal variances.
        try check([1, 2, 3], [10, 20, 30, 40], t: -3.548977049128114, df: 3.0478994016574417, p: 0.03716250466552815)
    }

    func testSymmetryAndDegenerateCases() throws {
        let a = [0.5, 0.7, 0.6], b = [0.2, 0.4, 0.1, 0.3]
        let ab = try XCTUnwrap(WelchTest(a, b)), ba = try XCTUnwrap(WelchTest(b, a))
        XCTAssertEqual(ab.t, -ba.t, accuracy: 1e-12)
        XCTAssertEqual(ab.p, ba.p, accuracy: 1e-12)
        XCTAssertEqual(ab.degreesOfFreedom, ba.degreesOfFreedom, accuracy: 1e-12)
        XCTAssertNil(WelchTest([1], [1, 2]), "one value has no variance estimate")
        let same = try XCTUnwrap(WelchTest([3, 3, 3], [3, 3]))
        XCTAssertEqual(same.t, 0)
        XCTAssertEqual(same.p, 1)
        let apart = try XCTUnwrap(WelchTest([3, 3, 3], [2, 2]))
        XCTAssertEqual(apart.t, .infinity)
        XCTAssertEqual(apart.p, 0)
    }
}
