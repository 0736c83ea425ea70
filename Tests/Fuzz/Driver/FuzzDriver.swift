import Foundation

/// A fuzz target's test function, in libFuzzer's shape: the input bytes, and 0 (or -1 to keep the input out of the corpus).
public typealias FuzzTestFunction = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

#if FUZZING
// libFuzzer's own entry, linked in by -sanitize=fuzzer. SwiftPM gives every executable a Swift `main`,
// which takes precedence over libFuzzer's `main`, so the target calls the driver itself.
@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ testOneInput: FuzzTestFunction) -> CInt
#endif

/// Runs a fuzz target's executable.
///
/// Built with `-sanitize=fuzzer -DFUZZING`, it is libFuzzer: the command line goes to libFuzzer's driver.
/// Built normally, it replays every file named on the command line (directories are read whole), by
/// default the committed corpus `defaultCorpus`; a failed invariant stops it with a fatal error.
public func runFuzzTarget(defaultCorpus: String, _ testOneInput: FuzzTestFunction) -> Never {
    #if FUZZING
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    #else
    let paths = CommandLine.arguments.count > 1 ? Array(CommandLine.arguments.dropFirst()) : [defaultCorpus]
    let started = Date()
    var replayed = 0
    for path in paths {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            FileHandle.standardError.write(Data("no such corpus: \(path)\n".utf8))
            exit(2)
        }
        let files = isDirectory.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
            : [path]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let bytes = [UInt8](data)
            _ = bytes.withUnsafeBufferPointer { testOneInput($0.baseAddress, $0.count) }
            replayed += 1
        }
    }
    print("replayed \(replayed) inputs from \(paths.joined(separator: " ")) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    exit(0)
    #endif
}
