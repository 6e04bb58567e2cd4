import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file (or stdin, `-`) in large chunks and decodes records from it.
///
/// Memory is one buffer (default 4 MiB, at least twice the longest allowed
/// record) whatever the input size. The buffer is refilled only when the
/// decoder has used up every complete record in it and the batch in flight is
/// empty, so rows of a batch can point at their record bytes for dead letters.
public final class FileSource: RecordSource {
    public let decoder: any RecordDecoder
    private let input: InputFile
    /// On a pipe or terminal: how long a partly filled batch may wait for more records (the
    /// micro-batch "linger"). 0 returns whatever has arrived at once.
    public var linger: Double = 0

    public var name: String { input.name }
    public var bytesRead: Int64 { input.bytesRead }
    public var totalBytes: Int64? { input.totalBytes }
    public var recordsRead: Int64 { decoder.recordsRead }

    public init(path: String, decoder: any RecordDecoder, bufferSize: Int = 4 << 20) throws {
        self.decoder = decoder
        input = try InputFile(path: path, bufferSize: max(bufferSize, decoder.maxRecordBytes * 2 + 1))
        decoder.sourceName = input.name
    }

    public func open(schema: Schema) throws {
        try decoder.open(schema: schema)
    }

    public func next(into batch: Batch, deadLetters: DeadLetters) throws -> Bool {
        batch.sourceName = name
        while true {
            if input.start < input.end || input.eof {
                batch.recordBytes = UnsafeRawPointer(input.buffer)
                let consumed = try decoder.decode(input.buffer + input.start, count: input.end - input.start, atEnd: input.eof, into: batch, deadLetters: deadLetters)
                input.start += consumed
                if batch.count > 0 && !batch.isFull && lingerForMore(since: &lingerStart) { continue }
                if batch.count > 0 {
                    lingerStart = 0
                    return true
                }
                if input.eof && input.start >= input.end { return false }
                if consumed > 0 && input.start < input.end { continue }
            }
            try input.refill()
        }
    }

    private var lingerStart: Double = 0

    /// On a pipe, waits up to `linger` for more input and appends it after the bytes in use.
    /// False: hand the batch over.
    private func lingerForMore(since started: inout Double) -> Bool {
        guard linger > 0, !input.isRegularFile, !input.eof, input.end < input.capacity else { return false }
        if started == 0 { started = monotonicSeconds() }
        guard input.waitReadable(started + linger - monotonicSeconds()) else { return false }
        return input.readMoreInPlace()
    }
}
