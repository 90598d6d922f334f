/// The inner loop of ``Resampler``: a run of output samples that use the same polyphase branch
/// (outputs m, m + L, m + 2L, … share phase p and read input M samples further each time).
///
/// ## Arithmetic
/// For one output with Q15 taps c[0..<K] (K a multiple of 8) over samples x[0..<K]:
///
/// 1. four 32-bit lanes, lane j = Σ c[i] · x[i] over i ≡ 2j, 2j + 1 (mod 8), exact because
///    `PolyphaseBank.lanesCannotOverflow` bounds every lane below 2³¹;
/// 2. s = Σⱼ (lane j >> 2), each lane floored to Q13 first so that four of them cannot
///    overflow 32 bits even on adversarial full-scale input (a whole branch's taps total
///    ≈ 2.3 · 2¹⁵ in magnitude, which could reach 2³¹ unscaled);
/// 3. y = clamp((s + 2¹²) >> 13) to the `Int16` range: rounding to nearest, saturating.
///
/// Step 1 is one SSE2 `pmaddwd` + `paddd` per eight taps. Integer sums do not depend on their
/// order, so the four-output and one-output paths give identical samples, and the output
/// does not depend on how the input was split into calls. The dropped lane bits bias the
/// result by less than 1/2000 LSB.
///
/// ## Speed
/// Four outputs share each load of taps (1.25 loads per `pmaddwd` instead of 2) and are
/// reduced together by a 4×4 transpose-add, rounded and narrowed with one saturating pack.
enum ResamplerKernel {
    /// Taps consumed per vector step; branches are padded to a multiple of this.
    static let tapsPerStep = 8
    /// Bits each lane is shifted right before the four lanes are added (step 2).
    static let headroomBits = 2
    /// The fraction bits left after the lane shift (step 3).
    static let sumFractionBits = PolyphaseBank.fractionBits - headroomBits

    /// Computes `count` outputs of one branch.
    /// - Parameters:
    ///   - branch: `taps` time-reversed Q15 taps.
    ///   - taps: the padded branch length, a multiple of ``tapsPerStep``.
    ///   - samples: the oldest sample of the first output's window; output j reads
    ///     `samples[j * inputStride ..< j * inputStride + taps]`.
    ///   - inputStride: M, the input advance between consecutive outputs of the run.
    ///   - count: the number of outputs.
    ///   - output: where output 0 goes; output j goes to `output[j * outputStride]`.
    ///   - outputStride: L, the distance between outputs of one branch in the output.
    @inline(__always)
    static func filterRun(
        branch: UnsafePointer<Int16>, taps: Int, samples: UnsafePointer<Int16>, inputStride: Int, count: Int,
        output: UnsafeMutablePointer<Int16>, outputStride: Int
    ) {
        let c = UnsafeRawPointer(branch)
        let tapBytes = taps &* MemoryLayout<Int16>.stride
        let inputBytes = inputStride &* MemoryLayout<Int16>.stride
        let stepBytes = tapsPerStep &* MemoryLayout<Int16>.stride
        var index = 0
        while index &+ 4 <= count {
            let x = UnsafeRawPointer(samples + index &* inputStride)
            var first = SIMD4<Int32>()
            var second = SIMD4<Int32>()
            var third = SIMD4<Int32>()
            var fourth = SIMD4<Int32>()
            var offset = 0
            while offset < tapBytes {
                let coefficients = c.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int16>.self)
                var at = offset
                first &+= pairSums(coefficients, x.loadUnaligned(fromByteOffset: at, as: SIMD8<Int16>.self))
                at &+= inputBytes
                second &+= pairSums(coefficients, x.loadUnaligned(fromByteOffset: at, as: SIMD8<Int16>.self))
                at &+= inputBytes
                third &+= pairSums(coefficients, x.loadUnaligned(fromByteOffset: at, as: SIMD8<Int16>.self))
                at &+= inputBytes
                fourth &+= pairSums(coefficients, x.loadUnaligned(fromByteOffset: at, as: SIMD8<Int16>.self))
                offset &+= stepBytes
            }
            // Moved out as one 64-bit word: extracting lanes one by one tempts LLVM into
            // scalarising the whole narrowing (measured: ~15 % slower).
            let packed = unsafeBitCast(narrow(first, second, third, fourth), to: UInt64.self)
            let target = output + index &* outputStride
            if outputStride == 1 {
                UnsafeMutableRawPointer(target).storeBytes(of: packed, as: UInt64.self)
            } else {
                target[0] = Int16(truncatingIfNeeded: packed)
                target[outputStride] = Int16(truncatingIfNeeded: packed &>> 16)
                target[2 &* outputStride] = Int16(truncatingIfNeeded: packed &>> 32)
                target[3 &* outputStride] = Int16(truncatingIfNeeded: packed &>> 48)
            }
            index &+= 4
        }
        while index < count {
            let x = UnsafeRawPointer(samples + index &* inputStride)
            var lanes = SIMD4<Int32>()
            var offset = 0
            while offset < tapBytes {
                lanes &+= pairSums(
                    c.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int16>.self),
                    x.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int16>.self))
                offset &+= stepBytes
            }
            let sum = (lanes &>> Int32(headroomBits)).wrappedSum()
            output[index &* outputStride] = Int16(clamping: (sum &+ roundingBias) &>> Int32(sumFractionBits))
            index &+= 1
        }
    }

    /// Half of one output unit in the lane-sum scale: adding it before the shift rounds.
    @inline(__always)
    static var roundingBias: Int32 { 1 &<< Int32(sumFractionBits &- 1) }

    /// Products of adjacent pairs, added: `[c0·x0 + c1·x1, c2·x2 + c3·x3, …]` in 32 bits.
    /// LLVM lowers this to one `pmaddwd` on x86-64 (checked in the disassembly); it cannot
    /// overflow, since a tap is never −2¹⁵.
    @inline(__always)
    static func pairSums(_ c: SIMD8<Int16>, _ x: SIMD8<Int16>) -> SIMD4<Int32> {
        let products = SIMD8<Int32>(truncatingIfNeeded: c) &* SIMD8<Int32>(truncatingIfNeeded: x)
        return products.evenHalf &+ products.oddHalf
    }

    /// Reduces the lanes of four outputs to four samples (steps 2 and 3 of the arithmetic).
    @inline(__always)
    static func narrow(
        _ a: SIMD4<Int32>, _ b: SIMD4<Int32>, _ c: SIMD4<Int32>, _ d: SIMD4<Int32>
    ) -> SIMD4<Int16> {
        let shift = SIMD4<Int32>(repeating: Int32(headroomBits))
        let (a, b, c, d) = (a &>> shift, b &>> shift, c &>> shift, d &>> shift)
        // Transpose-add: [a0+a1, a2+a3, b0+b1, b2+b3, c0+c1, …], then pairs again: [Σa, Σb, Σc, Σd].
        let ab = SIMD8(lowHalf: a, highHalf: b)
        let cd = SIMD8(lowHalf: c, highHalf: d)
        let halves = SIMD8(lowHalf: ab.evenHalf &+ ab.oddHalf, highHalf: cd.evenHalf &+ cd.oddHalf)
        let sums = halves.evenHalf &+ halves.oddHalf
        let scaled = (sums &+ roundingBias) &>> SIMD4<Int32>(repeating: Int32(sumFractionBits))
        // Written as min/max + truncate (not the generic `init(clamping:)`) so that it lowers to
        // one saturating pack (`packssdw`).
        let clamped = pointwiseMin(
            pointwiseMax(scaled, SIMD4(repeating: Int32(Int16.min))), SIMD4(repeating: Int32(Int16.max)))
        return SIMD4<Int16>(truncatingIfNeeded: clamped)
    }
}
