/// A float or a short vector of floats, so that one generic loop body serves a kernel's vector
/// blocks and its scalar tail (see `laneSweep`).
///
/// Loads and stores are unaligned. `loadSplit` reads `2 · width` consecutive floats and returns
/// the even- and odd-indexed ones; `storeMerged` is its inverse. For `SIMD8<Float>` these compile
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
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
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
