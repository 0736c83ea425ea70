import AsaasFake
import Foundation
import HTTP
import Support

// asaas-fake: the fake Asaas server (SPEC.md §9, docs/ASAAS.md).
let configuration: AsaasFakeConfiguration
do {
    configuration = try AsaasFakeConfiguration.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    if !error.message.isEmpty { FileHandle.standardError.write(Data("asaas-fake: \(error.message)\n".utf8)) }
    FileHandle.standardError.write(Data((AsaasFakeConfiguration.usage + "\n").utf8))
    exit(error.message.isEmpty ? 0 : 2)
}
let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(LogLevel.init(name:)) ?? .info
let fake = AsaasFakeServer(configuration: configuration, logger: Logger(level: level))
do {
    try fake.start()
} catch {
    FileHandle.standardError.write(Data("asaas-fake: cannot listen on \(configuration.host):\(configuration.port): \(error)\n".utf8))
    exit(1)
}
// Written straight to fd 1 (no stdio buffering) so a parent reading the pipe sees it at once.
FileHandle.standardOutput.write(Data("listening on \(configuration.host):\(fake.port)\n".utf8))
SignalWatcher.install { _ in fake.shutdown() }
fake.run()
fake.shutdown()
