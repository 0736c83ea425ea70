import Foundation
import Support
import Testing

/// Security round item 6 at the command line: where the data key comes from, and what refuses to start.
/// (The online rotation itself, killed and resumed under load, is `Tests/fault/rotate_data_key.py`.)
@Suite(.serialized) struct DataKeyCLITests {
    let cli = try! CLITests()

    var keyFile: String { cli.directory.appendingPathComponent("data-key").path }

    @Test func liveMoneyWithoutAnyKey_RefusesToStart_NamingTheKey() throws {
        let r = try cli.run(["serve"], env: ["ASAAS_PRODUCTION": "true", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("configuration error: PAYMENT_DATA_KEY"))
        let missing = try cli.run(["serve"], env: ["DATA_KEY_FILE": cli.directory.appendingPathComponent("absent").path,
                                                   "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("configuration error: DATA_KEY_FILE") && missing.stderr.contains("does not exist"))
    }

    @Test func aKeyFileOthersCanRead_IsRefused_AndAMalformedOneNamesTheLine() throws {
        try "current \(Data(SecureRandom.bytes(32)).base64EncodedString())\n".write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, 0o644)
        let open = try cli.run(["migrate"])
        #expect(open.status == 2)
        #expect(open.stderr.contains("DATA_KEY_FILE") && open.stderr.contains("chmod 600"))
        try "current not-a-key\n".write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, 0o600)
        let bad = try cli.run(["migrate"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("line 1: the key is not base64 of 32 bytes"))
        #expect(!bad.stderr.contains("not-a-key"))
    }

    @Test func rotateDataKey_WithTheKeyInTheEnvironment_ExplainsTheManualWay() throws {
        let r = try cli.run(["rotate-data-key"], env: ["PAYMENT_DATA_KEY": Data(SecureRandom.bytes(32)).base64EncodedString()])
        #expect(r.status == 2)
        #expect(r.stderr.contains("PAYMENT_DATA_KEY_PREVIOUS"))
        let lonely = try cli.run(["migrate"], env: ["PAYMENT_DATA_KEY_PREVIOUS": Data(SecureRandom.bytes(32)).base64EncodedString()])
        #expect(lonely.status == 2)
        #expect(lonely.stderr.contains("needs PAYMENT_DATA_KEY"))
    }

    @Test func rotateDataKey_WithoutAFile_CreatesTheFirstKey_ThenRotatesAndRetires() throws {
        #expect(try cli.run(["migrate"]).status == 0)
        let first = try cli.run(["rotate-data-key", "--settle-seconds", "0"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("created"))
        #expect(cli.mode(keyFile) == 0o600)
        let before = try String(contentsOfFile: keyFile, encoding: .utf8)
        let second = try cli.run(["rotate-data-key", "--settle-seconds", "0"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("rotation finished"))
        let after = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(after != before)
        #expect(after.components(separatedBy: "\n").filter { $0.hasPrefix("current ") || $0.hasPrefix("previous ") }.count == 1)
        #expect(!second.stdout.contains(after.components(separatedBy: "\n").first { $0.hasPrefix("current ") }!.dropFirst(8)))
    }
}
