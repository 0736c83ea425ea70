import Foundation

/// An independent parser for encoder property tests: a `python3` script (its standard library's
/// `html.parser`, `csv`, `json`, `email`) reading one case per line and answering one line per case,
/// `ok` or `fail <why>`.
///
/// Every field of a case is sent as the hex of its UTF-8 bytes, separated by spaces, so the
/// transport itself needs no escaping and cannot hide a bug of the encoder under test. One process
/// answers all the cases of a test; its standard input is a file, so neither side can block the other.
public struct PythonOracle: Sendable {
    /// python3 could not be run, failed, or answered the wrong number of lines.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The script, which reads `sys.stdin` and prints one line per input line.
    let script: String

    /// An oracle running `script` (start it with `prelude`).
    public init(script: String) { self.script = script }

    /// The answer to every case, in order (`ok` or `fail …`); throws when python3 is missing or fails.
    public func answers(_ cases: [[String]]) throws -> [String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("cases.txt"), errors = directory.appendingPathComponent("stderr.txt")
        let lines = cases.map { fields in fields.map { Self.hex($0) }.joined(separator: " ") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardError = try FileHandle(forWritingTo: errors)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw Failure(description: "python3 exited with \(process.terminationStatus): \(stderr.suffix(2000))")
        }
        let answers = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expected = cases.count
        guard answers.count == expected + 1, answers.last == "" else {
            throw Failure(description: "python3 answered \(answers.count - 1) lines for \(expected) cases")
        }
        return Array(answers.dropLast())
    }

    /// The cases whose answer is not `ok`, each with its answer, described for a failure message.
    public func failures(_ cases: [[String]]) throws -> [String] {
        let answers = try answers(cases)
        return zip(cases, answers).filter { $0.1 != "ok" }.map { fields, answer in
            answer + " ← " + fields.map(HostileText.describe).joined(separator: " | ")
        }
    }

    static func hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// The Python lines every script starts with: `cases()` yields each case as a list of strings.
    public static let prelude = """
        import sys

        def cases():
            for line in sys.stdin.read().split("\\n")[:-1]:
                yield [bytes.fromhex(field).decode("utf-8") for field in line.split(" ")]

        """
}
