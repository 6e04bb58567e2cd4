/// A full memory tail waiting for (or undergoing) compression and writing
/// by the sealer thread. Its sequence number is fixed when it is queued, so
/// segments keep append order. Once queued, nobody appends to its tail: the
/// sealer and replay snapshots only read it.
struct ReplaySealJob {
    let sequence: UInt64
    let tail: ReplayTail
}
