import Testing

@Test func placeholder_AdminAPITests() {}
