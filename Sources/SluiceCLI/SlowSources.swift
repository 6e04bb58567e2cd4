import Foundation
import Sluice

/// Sources with an artificial delay per read, as a network or a slow disk would add:
/// what `run --source-delay-ms` uses to show what prefetching buys.
final class DelayedRecordSource: RecordSource {
    let inner: any RecordSource
    let delay: UInt32
    init(_ inner: any RecordSource, milliseconds: Double) {
        self.inner = inner
        delay = UInt32(milliseconds * 1000)
    }
    var name: String { inner.name }
    func open(schema: Schema) throws { try inner.open(schema: schema) }
    func next(into batch: Batch, deadLetters: DeadLetters) throws -> Bool {
        usleep(delay)
        return try inner.next(into: batch, deadLetters: deadLetters)
    }
    var recordsRead: Int64 { inner.recordsRead }
    var bytesRead: Int64 { inner.bytesRead }
    var totalBytes: Int64? { inner.totalBytes }
}

final class DelayedBlockSource: BlockSource {
    let inner: any BlockSource
    let delay: UInt32
    init(_ inner: any BlockSource, milliseconds: Double) {
        self.inner = inner
        delay = UInt32(milliseconds * 1000)
    }
    var name: String { inner.name }
    func open(schema: Schema) throws { try inner.open(schema: schema) }
    func makeDecoder() -> any RecordDecoder { inner.makeDecoder() }
    func next(into block: Block, maxLines: Int) throws -> Bool {
        usleep(delay)
        return try inner.next(into: block, maxLines: maxLines)
    }
    var bytesRead: Int64 { inner.bytesRead }
    var totalBytes: Int64? { inner.totalBytes }
}
