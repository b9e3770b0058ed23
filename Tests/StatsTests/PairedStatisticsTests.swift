import XCTest
import Stats

/// The paired statistics of `masklab compare` against SciPy 1.17.1 (values printed by the
/// script in each comment). Tolerance: relative 1e-9 for closed forms (t, p, intervals: both
/// sides use double precision and a t CDF), exact equality for enumerated p-values (ratios of
/// integers), 1e-5 absolute for the numerically integrated power.
final class PairedStatisticsTests: XCTestCase {
    private func close(_ got: Double, _ want: Double, _ what: String, tolerance: Double = 1e-9, file: StaticString = #filePath, line: UInt = #line) {
        let err = abs(got - want) / max(abs(want), 1e-300)
        XCTAssertLessThan(err, tolerance, "\(what): got \(got), SciPy \(want), relative error \(err)", file: file, line: line)
    }

    // Five seeds of two arms and an eight-seed case with a small, noisy difference.
    let a1 = [0.9812, 0.9807, 0.9821, 0.9799, 0.9815], b1 = [0.9761, 0.9770, 0.9748, 0.9766, 0.9759]
    let a2 = [0.61, 0.64, 0.58, 0.66, 0.60, 0.63, 0.59, 0.65], b2 = [0.60, 0.66, 0.55, 0.64, 0.61, 0.60, 0.58, 0.62]

    func testPairedTAgainstSciPy() throws {
        // r = scipy.stats.ttest_rel(a, b); r.statistic, r.pvalue, r.confidence_interval()
        let c1 = try XCTUnwrap(PairedComparison(a1, b1))
        close(c1.t, 6.987712429686868, "t")
        close(c1.p, 0.0022066092438295846, "p")
        close(c1.interval.lower, 0.0030133376028739873, "CI low")
        close(c1.interval.upper, 0.0069866623971260216, "CI high")
        XCTAssertEqual(c1.degreesOfFreedom, 4)
        let c2 = try XCTUnwrap(PairedComparison(a2, b2))
        close(c2.t, 1.8523964340873704, "t")
        close(c2.p, 0.10639228308334277, "p")
        close(c2.interval.lower, -0.003456521293711188, "CI low")
        close(c2.interval.upper, 0.028456521293711182, "CI high")
        // Pairing matters: Welch on the same numbers ignores the shared seed effect.
        XCTAssertGreaterThan(try XCTUnwrap(WelchTest(a2, b2)).p, c2.p)
    }

    func testPairedDegenerateCases() throws {
        XCTAssertNil(PairedComparison([1], [2]), "one pair has no variance estimate")
        let same = try XCTUnwrap(PairedComparison([0.5, 0.6, 0.7], [0.5, 0.6, 0.7]))
        XCTAssertEqual(same.t, 0); XCTAssertEqual(same.p, 1); XCTAssertEqual(same.halfWidth, 0)
        let shifted = try XCTUnwrap(PairedComparison(differences: [0.25, 0.25, 0.25]))
        XCTAssertEqual(shifted.t, .infinity); XCTAssertEqual(shifted.p, 0)
    }

    func testWilcoxonAgainstSciPy() {
        // w = scipy.stats.wilcoxon(d); float(w.statistic), float(w.pvalue)
        var alternating: [Double] = []
        for k in 1...20 { alternating.append(k % 2 == 1 ? Double(k) + 0.3 : 0.3 - Double(k)) }
        var twoNegative: [Double] = []
        for k in 1...25 { twoNegative.append(k == 15 || k == 23 ? -Double(k) : Double(k)) }
        let d1: [Double] = zip(a1, b1).map { $0 - $1 }
        let d2: [Double] = zip(a2, b2).map { $0 - $1 }
        var cases: [(d: [Double], statistic: Double, p: Double, method: String)] = []
        cases.append((d1, 0, 0.0625, "exact"))                                         // n = 5: the smallest p possible
        cases.append((d2, 6.5, 0.1328125, "exact"))                                    // ties: enumerated sign flips
        cases.append(([1, 2, 3, -1, 5, 6, -2, 8], 5, 0.0859375, "exact"))              // ties between |1| and |−1|
        cases.append(([0.5, -0.2, 0.5, 0.3, 0.0, 0.7, -0.1, 0.3, 0.3, 0.9], 3, 0.015625, "exact")) // a zero is dropped
        cases.append((alternating, 100, 0.8694877624511719, "exact"))                  // n = 20, no ties: exact counts
        cases.append((twoNegative, 38, 0.0003764033317565918, "exact"))
        cases.append(([1, 1, 1, 2, 2, -3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, -13, 14, 15, 16], 23, 0.002192178473180634, "normal")) // n = 20 with ties
        for (i, c) in cases.enumerated() {
            let w = WilcoxonSignedRank(differences: c.d)
            XCTAssertEqual(w.statistic, c.statistic, "case \(i): statistic")
            XCTAssertEqual(w.method, c.method, "case \(i): method")
            if c.method == "exact" { XCTAssertEqual(w.p, c.p, "case \(i): p") } else { close(w.p, c.p, "case \(i): p") }
        }
        XCTAssertEqual(WilcoxonSignedRank(differences: [0, 0, 0]).p, 1, "no non-zero difference: no evidence")
    }

    func testHolm() {
        // Sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → monotone 0.06.
        for (got, want) in zip(HolmCorrection.adjust([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]) {
            XCTAssertEqual(got, want, accuracy: 1e-15)
        }
        XCTAssertEqual(HolmCorrection.adjust([0.5, 0.9]), [1.0, 1.0])
        XCTAssertEqual(HolmCorrection.adjust([]), [])
    }

    func testEquivalenceAgainstSciPy() throws {
        // p₋ = scipy.stats.ttest_1samp(d, -m, alternative="greater").pvalue, p₊ = ttest_1samp(d, m, alternative="less").pvalue
        let d = zip(a2, b2).map { $0 - $1 }
        let e2 = try XCTUnwrap(EquivalenceTest(differences: d, margin: 0.02))
        close(e2.lowerP, 0.0009649096219331121, "p₋ (0.02)")
        close(e2.upperP, 0.15154526686743625, "p₊ (0.02)")
        XCTAssertFalse(e2.isEquivalent(), "a 1.25-point mean difference is not within a 2-point margin at 8 seeds")
        let e4 = try XCTUnwrap(EquivalenceTest(differences: d, margin: 0.04))
        close(e4.lowerP, 5.442985162414724e-05, "p₋ (0.04)")
        close(e4.upperP, 0.0023588663502992725, "p₊ (0.04)")
        XCTAssertTrue(e4.isEquivalent())
    }

    func testPowerAgainstSciPyNoncentralT() {
        // c = t.ppf(0.975, n-1); λ = effect·√n; nct.sf(c, n-1, λ) + nct.cdf(-c, n-1, λ)
        let cases: [(n: Int, effect: Double, power: Double)] = [
            (5, 0.5, 0.1405166899902982), (5, 1.5, 0.7107026739256758),
            (8, 1.0, 0.6808339582062666), (10, 1.0, 0.8030968566327219), (10, 1.5, 0.9872769125845403),
        ]
        for c in cases {
            XCTAssertEqual(PairedPower.power(effect: c.effect, pairs: c.n), c.power, accuracy: 1e-5, "n = \(c.n), effect \(c.effect)")
        }
        XCTAssertEqual(PairedPower.power(effect: 0, pairs: 8), 0.05, accuracy: 1e-5, "no effect: power = α")
        // n = 10 reaches 80% power at ≈ 1.0 sd (0.8031 at exactly 1.0).
        let mde = PairedPower.minimumDetectableEffect(pairs: 10)
        XCTAssertEqual(PairedPower.power(effect: mde, pairs: 10), 0.8, accuracy: 1e-6)
        XCTAssertLessThan(mde, 1.0); XCTAssertGreaterThan(mde, 0.98)
    }
}
