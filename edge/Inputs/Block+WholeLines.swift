import Sluice

extension Block {
    /// The first `maxLines` whole lines of the block's bytes: how many there are (at most
    /// `maxLines`) and where the last of them ends. A followed input hands out only these; the
    /// rest (a line still being written) waits for the next block.
    func wholeLines(max maxLines: Int) -> (lines: Int, end: Int) {
        var lines = 0, end = 0
        for i in 0..<count where bytes[i] == UInt8(ascii: "\n") {
            lines += 1
            end = i + 1
            if lines == maxLines { break }
        }
        return (lines, end)
    }
}
