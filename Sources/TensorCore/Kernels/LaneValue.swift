/// A float or a short vector of floats, so that one generic loop body serves a kernel's vector
/// blocks and its scalar tail (see `laneSweep`).
///
/// Loads and stores are unaligned. `loadSplit` reads `2 · width` consecutive floats and returns
/// the even- and odd-indexed ones; `storeMerged` is its inverse; `loadQuarters`/`storeQuarters`
/// do the same with a stride of 4 (two rounds of splitting). For `SIMD8<Float>` these compile
/// to SSE `shufps` / `unpcklps` shuffles.
@usableFromInline
protocol LaneValue {
    /// Floats per value.
    static var width: Int { get }
    /// Every lane `x`.
    static func splat(_ x: Float) -> Self
    /// `p[0 ..< width]`.
    static func load(_ p: UnsafePointer<Float>) -> Self
    /// Writes the lanes to `p[0 ..< width]`.
    func store(_ p: UnsafeMutablePointer<Float>)
    /// `(p[0], p[2], …)` and `(p[1], p[3], …)` from `p[0 ..< 2·width]`.
    static func loadSplit(_ p: UnsafePointer<Float>) -> (even: Self, odd: Self)
    /// Writes `even[0], odd[0], even[1], odd[1], …` to `p[0 ..< 2·width]`.
    static func storeMerged(even: Self, odd: Self, _ p: UnsafeMutablePointer<Float>)
    /// `(p[0], p[4], …)`, `(p[1], p[5], …)`, `(p[2], …)`, `(p[3], …)` from `p[0 ..< 4·width]`.
    static func loadQuarters(_ p: UnsafePointer<Float>) -> (Self, Self, Self, Self)
    /// Writes `q0[0], q1[0], q2[0], q3[0], q0[1], …` to `p[0 ..< 4·width]`: the inverse of `loadQuarters`.
    static func storeQuarters(_ q0: Self, _ q1: Self, _ q2: Self, _ q3: Self, _ p: UnsafeMutablePointer<Float>)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
}

extension LaneValue {
    @inline(__always)
    @usableFromInline static func load(_ p: UnsafeMutablePointer<Float>) -> Self { load(UnsafePointer(p)) }
    @inline(__always)
    @usableFromInline static func loadSplit(_ p: UnsafeMutablePointer<Float>) -> (even: Self, odd: Self) { loadSplit(UnsafePointer(p)) }
}

extension Float: LaneValue {
    @usableFromInline static var width: Int { 1 }
    @inline(__always) @usableFromInline static func splat(_ x: Float) -> Float { x }
    @inline(__always) @usableFromInline static func load(_ p: UnsafePointer<Float>) -> Float { p[0] }
    @inline(__always) @usableFromInline func store(_ p: UnsafeMutablePointer<Float>) { p[0] = self }
    @inline(__always)
    @usableFromInline static func loadSplit(_ p: UnsafePointer<Float>) -> (even: Float, odd: Float) { (p[0], p[1]) }
    @inline(__always)
    @usableFromInline static func storeMerged(even: Float, odd: Float, _ p: UnsafeMutablePointer<Float>) { p[0] = even; p[1] = odd }
    @inline(__always)
    @usableFromInline static func loadQuarters(_ p: UnsafePointer<Float>) -> (Float, Float, Float, Float) { (p[0], p[1], p[2], p[3]) }
    @inline(__always)
    @usableFromInline static func storeQuarters(_ q0: Float, _ q1: Float, _ q2: Float, _ q3: Float, _ p: UnsafeMutablePointer<Float>) {
        p[0] = q0; p[1] = q1; p[2] = q2; p[3] = q3
    }
}

/// Splat, loads and stores of the SIMD conformances (unaligned).
extension LaneValue where Self: SIMD, Self.Scalar == Float {
    @usableFromInline static var width: Int { scalarCount }
    @inline(__always) @usableFromInline static func splat(_ x: Float) -> Self { Self(repeating: x) }
    @inline(__always)
    @usableFromInline static func load(_ p: UnsafePointer<Float>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    @inline(__always)
    @usableFromInline func store(_ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
}

extension SIMD4: LaneValue where Scalar == Float {
    @inline(__always)
    @usableFromInline static func loadQuarters(_ p: UnsafePointer<Float>) -> (Self, Self, Self, Self) {
        let (e0, o0) = loadSplit(p), (e1, o1) = loadSplit(p + 8)
        let e = SIMD8(lowHalf: e0, highHalf: e1), o = SIMD8(lowHalf: o0, highHalf: o1)
        return (e.evenHalf, o.evenHalf, e.oddHalf, o.oddHalf)
    }
    @inline(__always)
    @usableFromInline static func storeQuarters(_ q0: Self, _ q1: Self, _ q2: Self, _ q3: Self, _ p: UnsafeMutablePointer<Float>) {
        var e = SIMD8<Float>(), o = SIMD8<Float>()
        (e.evenHalf, e.oddHalf, o.evenHalf, o.oddHalf) = (q0, q2, q1, q3)
        storeMerged(even: e.lowHalf, odd: o.lowHalf, p)
        storeMerged(even: e.highHalf, odd: o.highHalf, p + 8)
    }
    @inline(__always)
    @usableFromInline static func loadSplit(_ p: UnsafePointer<Float>) -> (even: Self, odd: Self) {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        return (v.evenHalf, v.oddHalf)
    }
    @inline(__always)
    @usableFromInline static func storeMerged(even: Self, odd: Self, _ p: UnsafeMutablePointer<Float>) {
        var v = SIMD8<Float>()
        (v.evenHalf, v.oddHalf) = (even, odd)
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}

extension SIMD8: LaneValue where Scalar == Float {
    @inline(__always)
    @usableFromInline static func loadQuarters(_ p: UnsafePointer<Float>) -> (Self, Self, Self, Self) {
        let (e0, o0) = loadSplit(p), (e1, o1) = loadSplit(p + 16)
        let e = SIMD16(lowHalf: e0, highHalf: e1), o = SIMD16(lowHalf: o0, highHalf: o1)
        return (e.evenHalf, o.evenHalf, e.oddHalf, o.oddHalf)
    }
    @inline(__always)
    @usableFromInline static func storeQuarters(_ q0: Self, _ q1: Self, _ q2: Self, _ q3: Self, _ p: UnsafeMutablePointer<Float>) {
        var e = SIMD16<Float>(), o = SIMD16<Float>()
        (e.evenHalf, e.oddHalf, o.evenHalf, o.oddHalf) = (q0, q2, q1, q3)
        storeMerged(even: e.lowHalf, odd: o.lowHalf, p)
        storeMerged(even: e.highHalf, odd: o.highHalf, p + 16)
    }
    @inline(__always)
    @usableFromInline static func loadSplit(_ p: UnsafePointer<Float>) -> (even: Self, odd: Self) {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        return (v.evenHalf, v.oddHalf)
    }
    @inline(__always)
    @usableFromInline static func storeMerged(even: Self, odd: Self, _ p: UnsafeMutablePointer<Float>) {
        var v = SIMD16<Float>()
        (v.evenHalf, v.oddHalf) = (even, odd)
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }
}

/// Runs a loop body over `start ..< start + count` in blocks: `wide(i)` for blocks of 8 indices,
/// then at most one `narrow(i)` block of 4, then `single(i)` for the rest. The three closures are
/// meant to call one generic body with `SIMD8<Float>`, `SIMD4<Float>` and `Float`.
@inline(__always)
func laneSweep(_ count: Int, from start: Int = 0, _ wide: (Int) -> Void, _ narrow: (Int) -> Void, _ single: (Int) -> Void) {
    var i = start
    let end = start + count
    while i + 8 <= end {
        wide(i)
        i += 8
    }
    if i + 4 <= end {
        narrow(i)
        i += 4
    }
    while i < end {
        single(i)
        i += 1
    }
}
