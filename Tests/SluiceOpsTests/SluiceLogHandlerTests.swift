import Foundation
import Logging
@testable import SluiceOps
import Testing

/// JSON log lines carry every metadata key, numbers as numbers; text lines are the message alone.
@Suite struct SluiceLogHandlerTests {
    @Test func metadataValuesKeepTheirTypes() throws {
        #expect(SluiceLogHandler.json(.string("42")) as? Int64 == 42)
        #expect(SluiceLogHandler.json(.string("kafka://h/t")) as? String == "kafka://h/t")
        #expect((SluiceLogHandler.json(.array([.string("a"), .string("7")])) as? [Any])?.count == 2)
        let timestamp = SluiceLogHandler.timestamp()
        #expect(timestamp.hasSuffix("Z") && timestamp.contains("T"))
    }
}
