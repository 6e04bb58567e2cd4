/// A growable byte buffer that owns the string bytes of one batch.
///
/// Decoders copy string values here (unescaping as they go) and record a
/// ``StringSlot``; `reset()` makes the memory reusable for the next batch, so
/// a steady-state pipeline does not allocate per record or per batch.
public final class ByteArena: @unchecked Sendable {
    // Safe: a batch and its arena are owned by one stage at a time.
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    /// Bytes in use. Only the arena's own methods should change it.
    @exclusivity(unchecked) public var count: Int = 0

    public init(capacity: Int = 64 * 1024) {
        self.capacity = max(capacity, 16)
        self.storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    @inlinable public var base: UnsafeMutablePointer<UInt8> { storage }

    public func reset() { count = 0 }

    /// Copies `length` bytes and returns where they are.
    @inlinable
    public func append(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> StringSlot {
        if count + length > capacity { grow(to: count + length) }
        (storage + count).update(from: bytes, count: length)
        let slot = StringSlot(offset: UInt32(truncatingIfNeeded: count), length: UInt32(truncatingIfNeeded: length))
        count += length
        return slot
    }

    /// Reserves `length` bytes for the caller to fill (used when unescaping).
    @inlinable
    public func reserve(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        if count + length > capacity { grow(to: count + length) }
        return storage + count
    }

    /// Commits `length` bytes written into the last `reserve`.
    @inlinable
    public func commit(_ length: Int) -> StringSlot {
        let slot = StringSlot(offset: UInt32(truncatingIfNeeded: count), length: UInt32(truncatingIfNeeded: length))
        count += length
        return slot
    }

    public func append(_ string: String) -> StringSlot {
        var s = string
        return s.withUTF8 { append($0.baseAddress ?? UnsafePointer(storage), $0.count) }
    }

    @usableFromInline
    func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStorage.update(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    @inlinable
    public func bytes(_ slot: StringSlot) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage + Int(slot.offset), count: Int(slot.length))
    }

    public func string(_ slot: StringSlot) -> String {
        String(decoding: bytes(slot), as: UTF8.self)
    }
}
