@testable import Sluice

/// A batch filled from rows, every row selected.
func makeBatch(_ schema: Schema, _ rows: [[Value]], dictionaries: [String: KeyDictionary] = [:]) -> Batch {
    let batch = Batch(schema: schema, capacity: max(rows.count, 1), dictionaries: dictionaries)
    for (r, row) in rows.enumerated() {
        for (slot, value) in row.enumerated() {
            precondition(value.store(into: batch.columns[slot], row: r, arena: batch.arena), "value \(value) does not fit \(schema.fields[slot])")
        }
        batch.recordNumbers[r] = Int64(r + 1)
    }
    batch.count = rows.count
    batch.selectAll()
    return batch
}

/// The selected values of a column.
func values(_ batch: Batch, _ name: String) -> [Value] {
    let c = batch.column(name)!
    return batch.selectedRows.map { Value(c, row: $0, arena: batch.arena) }
}

/// Dead-letter lines written to memory, for assertions.
final class CapturedDeadLetters {
    let sink = MemoryByteSink()
    lazy var letters = DeadLetters(sink: sink)
    var lines: [String] {
        try? letters.flush()
        return sink.text.split(separator: "\n").map(String.init)
    }
}
