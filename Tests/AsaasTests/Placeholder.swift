import Testing

@Test func placeholder_AsaasTests() {}
