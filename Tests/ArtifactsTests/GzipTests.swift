import Artifacts
import Foundation
import Testing

@Suite struct GzipTests {
    @Test func truncatedAndCorruptDataNameTheFile() throws {
        // "hello" gzip-compressed (gzip -c), then damaged two ways.
        let good: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd,
                             0xc9, 0xc9, 0x07, 0x00, 0x86, 0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00]
        #expect(String(decoding: try Gzip.decompress(Data(good), name: "hello.gz"), as: UTF8.self) == "hello")
        #expect(throws: GzipError.self) { try Gzip.decompress(Data(good.prefix(14)), name: "cut.gz") }
        do { _ = try Gzip.decompress(Data(good.prefix(14)), name: "cut.gz") } catch {
            #expect("\(error)".contains("cut.gz: truncated"))
        }
        var bad = good
        bad[12] ^= 0xFF
        do { _ = try Gzip.decompress(Data(bad), name: "bad.gz"); Issue.record("corrupt data was accepted") } catch {
            #expect("\(error)".contains("bad.gz"))
        }
        do { _ = try Gzip.decompress(Data(), name: "empty.gz"); Issue.record("empty data was accepted") } catch {
            #expect("\(error)".contains("empty.gz: empty file"))
        }
    }
}
