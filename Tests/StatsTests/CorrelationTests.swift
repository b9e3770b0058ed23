import XCTest
import Stats

/// Pearson and Spearman against values computed with NumPy (np.corrcoef of values and of mean ranks).
final class CorrelationTests: XCTestCase {
    func testAgainstKnownValues() {
        let x: [Double] = [1, 2, 3, 4, 5], y: [Double] = [2, 4, 5, 4, 5]
        XCTAssertEqual(Correlation.pearson(x, y), 0.7745966692414834, accuracy: 1e-12)
        XCTAssertEqual(Correlation.spearman(x, y), 0.7378647873726218, accuracy: 1e-12, "ties take their mean rank")
        let cubes: [Double] = [1, 8, 27, 64]
        XCTAssertEqual(Correlation.pearson([1, 2, 3, 4], cubes), 0.9513698557924043, accuracy: 1e-12)
        XCTAssertEqual(Correlation.spearman([1, 2, 3, 4], cubes), 1, accuracy: 1e-12, "monotone ⇒ ρ = 1")
        XCTAssertEqual(Correlation.pearson(x, x.map { -2 * $0 + 1 }), -1, accuracy: 1e-12)
    }

    func testConstantSampleGivesNaN() {
        XCTAssertTrue(Correlation.pearson([1, 2, 3], [4, 4, 4]).isNaN)
        XCTAssertTrue(Correlation.spearman([1, 1, 1], [1, 2, 3]).isNaN)
    }
}
