import Testing

@Test func placeholder_OutboundTests() {}
