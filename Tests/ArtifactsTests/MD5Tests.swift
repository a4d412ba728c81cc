import Artifacts
import Foundation
import Testing

@Suite struct MD5Tests {
    @Test func rfc1321TestSuite() {
        // RFC 1321, appendix A.5.
        let vectors: [(String, String)] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
             "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (text, sum) in vectors { #expect(MD5.hex(Array(text.utf8)) == sum, "MD5(\"\(text)\")") }
    }

    @Test func paddingBoundaries() {
        // Lengths around the 56-byte and 64-byte boundaries of the padding, against md5sum.
        let sums = [55: "ef1772b6dff9a122358552954ad0df65", 56: "3b0c8ac703f828b04c6c197006d17218",
                    63: "b06521f39153d618550606be297466d5", 64: "014842d480b571495a4a0363793f7367"]
        for (n, sum) in sums { #expect(MD5.hex([UInt8](repeating: 0x61, count: n)) == sum, "\(n) bytes") }
        #expect(MD5.digest(Data("abc".utf8)).count == 16)
    }

    @Test func gzipRoundTrip() throws {
        let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) })
        let packed = try Gzip.compress(bytes)
        #expect(packed.count < bytes.count && packed.prefix(2) == Data([0x1f, 0x8b]))
        #expect(try Gzip.decompress(packed) == bytes)
        #expect(try Gzip.decompress(try Gzip.compress(Data())) == Data())
    }
}

@Suite("FNV-1a")
struct FNV1aTests {
    @Test func publishedTestVectors() {
        // From the FNV reference test suite (64-bit FNV-1a).
        func hex(_ s: String) -> String { var h = FNV1a(); h.mix(s.utf8); return h.hex }
        #expect(hex("") == "cbf29ce484222325")
        #expect(hex("a") == "af63dc4c8601ec8c")
        #expect(hex("foobar") == "85944171f73967e8")
    }
}
