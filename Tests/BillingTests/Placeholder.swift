import Testing

@Test func placeholder_BillingTests() {}
