import FuzzDriver

// The Admin API fuzz target; AdminAPIFuzzHarness describes the input layout and the invariants.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminAPI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    AdminAPIFuzzHarness.shared.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

runFuzzTarget(defaultCorpus: "Tests/Fuzz/corpus/actions", fuzzAdminAPI)
