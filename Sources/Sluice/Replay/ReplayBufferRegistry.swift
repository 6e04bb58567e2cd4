import Synchronization

/// The replay buffers open for writing in this process, by canonical
/// directory, so that every `retain` operator writing one directory (one per
/// shard, or several plans) shares a single writer instead of failing on the
/// directory lock. Entries are weak: the buffer closes when its last user lets go.
enum ReplayBufferRegistry {
    private struct Entry: Sendable {
        weak var buffer: ReplayBuffer?
    }

    private static let open = Mutex<[String: Entry]>([:])

    static func buffer(directory: String, options: ReplayOptions) throws(ReplayError) -> ReplayBuffer {
        try options.validate()
        try ReplayFileSystem.makeDirectories(directory)
        let key = ReplayFileSystem.canonicalPath(directory)
        return try open.withLock { entries throws(ReplayError) -> ReplayBuffer in
            if let existing = entries[key]?.buffer, !existing.isClosed {
                guard existing.options == options else { throw .optionsMismatch(path: key) }
                return existing
            }
            let buffer = try ReplayBuffer(directory: key, options: options)
            entries = entries.filter { $0.value.buffer != nil }
            entries[key] = Entry(buffer: buffer)
            return buffer
        }
    }
}
