import PropertyTestSupport
import Support
import Synchronization
import Testing

/// `Logger` lines stay one line of `key=value` pairs whatever the values hold, read back by a
/// logfmt reader written independently in Python.
struct LoggerLineTests {
    /// The lines a logger wrote, one per entry.
    func lines(_ write: (Logger) -> Void) -> [String] {
        let captured = Mutex<[String]>([])
        let logger = Logger(level: .debug) { line in captured.withLock { $0.append(line) } }
        write(logger)
        return captured.withLock { $0 }
    }

    @Test func values_AreBare_OnlyWhenPlainASCII() {
        let line = lines { $0.info("started", ["port": "8080", "path": "/a?b", "name": "Cobrança", "empty": "", "eq": "a=b"]) }.first ?? ""
        #expect(line.hasSuffix(#" msg=started port=8080 path=/a?b name="Cobrança" empty="" eq="a=b""#), "\(line)")
    }

    @Test func lineBreaksAndInvisibleScalars_AreEscaped_EvenInsideGraphemeClusters() {
        let line = lines { $0.warning("x", ["v": "a\r\nlevel=error\u{0600}\"\u{85}\u{2028}\u{202E}\u{1B}[2J\\"]) }.first ?? ""
        #expect(line.hasSuffix(#" v="a\r\nlevel=error\u{600}\"\u{85}\u{2028}\u{202e}\x1b[2J\\""#), "\(line)")
    }

    /// Each hostile string as the message and as a field: one line, no raw control, separator or
    /// format character, and exactly the keys `time level msg field other`, the values decoding back.
    @Test func line_ParsesBackThroughAnIndependentLogfmtReader() throws {
        let samples = HostileText.samples(count: 400, seed: 20_04)
        let cases = samples.map { s in
            [s, lines { $0.error(s, ["field": s, "other": "plain"]) }.joined(separator: "\n")]
        }
        let failures = try Self.oracle.failures(cases)
        #expect(failures.count == 0, "of \(cases.count), e.g.:\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    static let oracle = PythonOracle(script: PythonOracle.prelude + #"""
        import re, unicodedata

        PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|[!#-<>-~]+)(?: |$)')

        def unquote(value):
            if not value.startswith('"'):
                return value
            body, out, i = value[1:-1], [], 0
            while i < len(body):
                c = body[i]
                if c != "\\":
                    out.append(c)
                    i += 1
                    continue
                kind = body[i + 1]
                if kind in '"\\':
                    out.append(kind)
                    i += 2
                elif kind in "nrt":
                    out.append({"n": "\n", "r": "\r", "t": "\t"}[kind])
                    i += 2
                elif kind == "x":
                    out.append(chr(int(body[i + 2:i + 4], 16)))
                    i += 4
                elif kind == "u" and body[i + 2] == "{":
                    end = body.index("}", i)
                    out.append(chr(int(body[i + 3:end], 16)))
                    i = end + 1
                else:
                    raise ValueError("unknown escape \\" + kind)
            return "".join(out)

        for raw, line in cases():
            if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in line):
                print("fail raw control, separator or format character in " + ascii(line)[:300])
                continue
            pairs, position = [], 0
            while position < len(line):
                match = PAIR.match(line, position)
                if not match:
                    break
                pairs.append((match.group(1), unquote(match.group(2))))
                position = match.end()
            expected_keys = ["time", "level", "msg", "field", "other"]
            keys, values = [k for k, _ in pairs], dict(pairs)
            if position != len(line) or keys != expected_keys:
                print("fail keys " + ascii(keys) + " in " + ascii(line)[:300])
            elif values["msg"] != raw or values["field"] != raw or values["other"] != "plain" or values["level"] != "error":
                print("fail values " + ascii(values)[:300])
            else:
                print("ok")
        """#)
}
