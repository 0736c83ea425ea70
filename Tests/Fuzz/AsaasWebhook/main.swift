import FuzzDriver

// The Asaas webhook payload fuzz target; AsaasWebhookFuzzCheck lists the invariants.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAsaasWebhook(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    AsaasWebhookFuzzCheck.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

runFuzzTarget(defaultCorpus: "Tests/Fuzz/corpus/asaas-webhook", fuzzAsaasWebhook)
