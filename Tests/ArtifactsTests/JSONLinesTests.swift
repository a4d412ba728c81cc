import Artifacts
import Autograd
import Foundation
import Testing

@Suite struct JSONLinesTests {
    typealias Value = JSONLines.Value

    @Test func roundTripOfRecords() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("log.jsonl")
            let records: [JSONLines.Record] = [
                ["step": 0, "loss_d": 1.25, "loss_g": Value(Float(0.1)), "tag": "warm-up", "ok": true, "none": nil],
                ["text": "quote \" backslash \\ newline \n tab \t cr \r nul \u{0} bell \u{7} del \u{7F}",
                 "unicode": "é 漢字 🦊 \u{2028}", "": "empty key"],
                ["nested": ["a": [1, 2.5, "x", [true, nil]], "b": [:]], "list": [], "big": .int(Int.max), "neg": .int(Int.min)],
                [:],
            ]
            let writer = try JSONLines.Writer(url: url)
            for r in records { try writer.write(r) }
            try writer.close()
            let back = try JSONLines.read(contentsOf: url)
            #expect(back == records)
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == records.count + 1)
            #expect(text.hasPrefix(#"{"loss_d":1.25,"loss_g":0.1,"none":null,"ok":true,"step":0,"tag":"warm-up"}"#))
            #expect(text.contains(#""text":"quote \" backslash \\ newline \n tab \t cr \r nul \u0000 bell \u0007 del \#u{7F}""#))
            #expect(back[1]["unicode"]?.stringValue == "é 漢字 🦊 \u{2028}")
        }
    }

    @Test func doublesAndFloatsRoundTripExactly() throws {
        var doubles: [Double] = [0, -0.0, 0.1, 1.0 / 3.0, 1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.leastNormalMagnitude,
                                 123456789.125, 1e16, 2.0.squareRoot(), .pi, 1e23, 9007199254740991]
        // 7.038531e-26 (bits 363742205): its shortest digits, read as a Double, round to
        // another Float; an exhaustive check found no other positive Float like it.
        let tricky = Float(bitPattern: 363_742_205)
        var floats: [Float] = [tricky, -tricky, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                               -.leastNormalMagnitude, 16777215, 1.0 / 3.0, 3.4e38]
        var rng = RandomGenerator(seed: 17)
        for _ in 0..<2000 {
            doubles.append(Double(bitPattern: rng.next()))
            floats.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())))
        }
        doubles = doubles.filter(\.isFinite)
        floats = floats.filter(\.isFinite)
        let record: JSONLines.Record = ["d": .array(doubles.map { Value($0) }), "f": .array(floats.map { Value($0) })]
        let line = JSONLines.serialize(.object(record))
        let back = try JSONLines.parseRecord(line)
        let d = try #require(back["d"]?.arrayValue).compactMap { $0.doubleValue }
        let f = try #require(back["f"]?.arrayValue).compactMap { $0.floatValue }
        #expect(d.map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(f.map(\.bitPattern) == floats.map(\.bitPattern))
        // Floats are written with their own shortest digits.
        #expect(JSONLines.serialize(Value(Float(0.1))) == "0.1")
        #expect(JSONLines.serialize(Value(Float(1e-45))) == "1e-45")
        #expect(JSONLines.serialize(0.1) == "0.1")
        #expect(JSONLines.serialize(-0.0) == "-0.0")
        #expect(JSONLines.serialize(1e-5) == "1e-05")
        // Integers stay integers; integers too large for Int become Doubles.
        #expect(try JSONLines.parseRecord(#"{"a": 42, "b": 4.0, "c": 1e2, "d": 123456789012345678901234567890}"#)
            == ["a": .int(42), "b": .number(4), "c": .number(100), "d": .number(1.2345678901234568e29)])
    }

    /// Python's json module reads what we write and writes what we read.
    @Test func pythonReadsAndWritesTheSameRecords() throws {
        guard InteropPython.run(["-c", "import json"])?.status == 0 else {
            print("JSONLinesTests: skipped the Python check (\(InteropPython.executable) cannot run)")
            return
        }
        try withTemporaryDirectory { dir in
            let ours = dir.appendingPathComponent("ours.jsonl"), theirs = dir.appendingPathComponent("theirs.jsonl")
            let records: [JSONLines.Record] = [
                ["step": 1, "loss": 0.6931471805599453, "lr": 2e-4, "big": 1e300, "tiny": .number(.leastNonzeroMagnitude), "neg": -0.0],
                ["s": "quote \" \\ \n \u{1} é 🦊 \u{2028}", "nested": ["x": [1, 2, [3.5]], "y": nil], "b": false],
                ["inf": .number(.infinity), "max": .int(Int.max), "f": Value(Float(0.1))],
            ]
            let writer = try JSONLines.Writer(url: ours)
            for r in records { try writer.write(r) }
            let script = """
                import json, sys
                with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w") as g:
                    for line in f:
                        g.write(json.dumps(json.loads(line)) + "\\n")
                """
            let result = try #require(InteropPython.run(["-c", script, ours.path, theirs.path]))
            try #require(result.status == 0, "\(result.output)")
            let back = try JSONLines.read(contentsOf: theirs)  // ensure_ascii: surrogate pairs for 🦊
            #expect(back == records.map { r in r.mapValues { $0 == .number(.infinity) ? "Infinity" : $0 } })
        }
    }

    @Test func nonFiniteNumbersAreWrittenAsStrings() throws {
        let record: JSONLines.Record = ["nan": .number(.nan), "inf": Value(Float.infinity), "ninf": .number(-.infinity)]
        let line = JSONLines.serialize(.object(record))
        #expect(line == #"{"inf":"Infinity","nan":"NaN","ninf":"-Infinity"}"#)
        let back = try JSONLines.parseRecord(line)
        #expect(back["nan"] == "NaN" && back["nan"]?.doubleValue?.isNaN == true)
        #expect(back["inf"]?.doubleValue == .infinity && back["ninf"]?.floatValue == -.infinity)
    }

    /// Records are in the file as soon as `write` returns, without `close`; a writer
    /// released without closing loses nothing.
    @Test func recordsSurviveAWriterThatIsNeverClosed() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("crash.jsonl")
            var writer: JSONLines.Writer? = try JSONLines.Writer(url: url)
            for step in 0..<5 {
                try writer!.write(["step": .int(step), "loss": .number(Double(step) / 7)])
                // Another reader sees every record written so far.
                #expect(try JSONLines.read(contentsOf: url).count == step + 1)
            }
            writer = nil
            let back = try JSONLines.read(contentsOf: url)
            #expect(back.map { $0["step"]?.intValue } == [0, 1, 2, 3, 4])
            #expect(back[3]["loss"]?.doubleValue == 3.0 / 7)

            // A record cut off mid-line (a crash inside write): the reader reports it, or
            // drops it on request; a writer that reopens the file cuts it off and appends.
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(#"{"step": 5, "lo"#.utf8))
            try handle.close()
            do {
                _ = try JSONLines.read(contentsOf: url)
                Issue.record("a torn last line was accepted")
            } catch let error as JSONLinesError {
                #expect(error.line == 6)
            }
            #expect(try JSONLines.read(contentsOf: url, allowingIncompleteLastLine: true).count == 5)
            let resumed = try JSONLines.Writer(url: url, sync: true)
            try resumed.write(["step": 5])
            #expect(try JSONLines.read(contentsOf: url).map { $0["step"]?.intValue } == [0, 1, 2, 3, 4, 5])
            // append: false starts over.
            try JSONLines.Writer(url: url, append: false).write(["fresh": true])
            #expect(try JSONLines.read(contentsOf: url) == [["fresh": true]])
        }
    }

    @Test func concurrentWritersDoNotInterleave() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("threads.jsonl")
            let writer = try JSONLines.Writer(url: url)
            let long = String(repeating: "x", count: 5000)
            DispatchQueue.concurrentPerform(iterations: 8) { t in
                for k in 0..<25 { try! writer.write(["t": .int(t), "k": .int(k), "pad": .string(long)]) }
            }
            let back = try JSONLines.read(contentsOf: url)
            #expect(back.count == 200)
            #expect(Set(back.map { "\($0["t"]!.intValue!)-\($0["k"]!.intValue!)" }).count == 200)
        }
    }

    @Test func badLinesAreReportedWithTheirNumber() throws {
        let cases: [(String, Int, String)] = [
            ("{\"a\": 1}\n{\"a\": 2,}\n", 2, "line 2, column 9: expected a string key"),
            ("{\"a\": 1}\n\n{\"a\": nan}\n", 3, "line 3, column 7: invalid literal (expected null)"),
            ("[1, 2]\n", 1, "line 1, column 1: expected a JSON object, found an array"),
            ("{\"a\": \"tab\there\"}\n", 1, "raw control character"),
            ("{\"a\": 1} x\n", 1, "line 1, column 10: unexpected text after the object"),
            ("{\"a\": 01}\n", 1, "leading zero"),
            ("{\"a\": 1, \"a\": 2}\n", 1, "line 1, column 10: duplicate key \"a\""),
            ("{\"a\": \"\\ud800\"}\n", 1, "unpaired UTF-16 surrogate"),
            ("{\"a\": 1}\r\n{\"b\": [1 2]}\r\n", 2, "line 2, column 10: expected ',' or ']' in an array, found '2'"),
        ]
        for (text, line, mention) in cases {
            do {
                let records = try JSONLines.decode(Array(text.utf8), name: "run.jsonl")
                Issue.record("accepted \(text.debugDescription): \(records)")
            } catch let error as JSONLinesError {
                #expect(error.line == line, "\(error)")
                #expect(error.description.hasPrefix("run.jsonl: line \(line), "), "\(error)")
                #expect(error.description.contains(mention), "\(error)")
            }
        }
        // Invalid UTF-8 inside a string.
        do {
            _ = try JSONLines.decode([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A], name: "bin.jsonl")
            Issue.record("invalid UTF-8 was accepted")
        } catch let error as JSONLinesError {
            #expect(error.description.contains("bin.jsonl: line 1, column 6: a string is not valid UTF-8"))
        }
        do {
            _ = try JSONLines.read(contentsOf: URL(fileURLWithPath: "/nonexistent/x.jsonl"))
            Issue.record("a missing file was read")
        } catch {
            #expect("\(error)".hasPrefix("/nonexistent/x.jsonl: cannot be read"))
        }
    }
}
