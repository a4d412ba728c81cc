import Foundation

/// MD5 (RFC 1321), for checking that a data file is the one its README names. Not for
/// security: MD5 is broken against deliberate collisions, but it still catches a truncated,
/// damaged or different file, and it is the sum most data sets publish.
public enum MD5 {
    /// The 16-byte digest of `bytes`.
    public static func digest(_ bytes: some ContiguousBytes) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let count = raw.count
            let whole = count / 64
            if let base = raw.baseAddress {
                for block in 0..<whole { compress(&state, base + block * 64) }
            }
            // The tail: the remaining bytes, 0x80, zeros, then the bit length (little-endian),
            // padded to one or two 64-byte blocks.
            let rest = count - whole * 64
            var tail = [UInt8](repeating: 0, count: rest < 56 ? 64 : 128)
            for i in 0..<rest { tail[i] = raw[whole * 64 + i] }
            tail[rest] = 0x80
            let bits = UInt64(count) &* 8
            for i in 0..<8 { tail[tail.count - 8 + i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i))) }
            tail.withUnsafeBytes { t in
                for block in 0..<(t.count / 64) { compress(&state, t.baseAddress! + block * 64) }
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(16)
        for word in [state.0, state.1, state.2, state.3] {
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt32(i)))) }
        }
        return out
    }

    /// The digest as 32 lowercase hexadecimal digits, as `md5sum` prints it.
    public static func hex(_ bytes: some ContiguousBytes) -> String {
        digest(bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Per-round left-rotation amounts (RFC 1321, section 3.4).
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// T[i] = floor(2^32 * |sin(i + 1)|) (RFC 1321, section 3.4).
    private static let constants: [UInt32] = (0..<64).map { i in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(i + 1))) * 4_294_967_296).rounded(.down)))
    }

    /// One 64-byte block into the state.
    private static func compress(_ state: inout (UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawPointer) {
        var (a, b, c, d) = state
        shifts.withUnsafeBufferPointer { s in
            constants.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    var f: UInt32
                    let g: Int
                    switch i {
                    case 0..<16: f = (b & c) | (~b & d); g = i
                    case 16..<32: f = (d & b) | (~d & c); g = (5 &* i &+ 1) & 15
                    case 32..<48: f = b ^ c ^ d; g = (3 &* i &+ 5) & 15
                    default: f = c ^ (b | ~d); g = (7 &* i) & 15
                    }
                    let word = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4 * g, as: UInt32.self))
                    f = f &+ a &+ k[i] &+ word
                    a = d
                    d = c
                    c = b
                    b = b &+ ((f << s[i]) | (f >> (32 - s[i])))
                }
            }
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
