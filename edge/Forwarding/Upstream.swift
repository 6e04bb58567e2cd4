/// Where an edge agent forwards its spooled records: a Kafka topic or an HTTP collector.
///
/// ``send(_:)`` returns only once the upstream has every record of the batch (Kafka: every
/// delivery acknowledged; HTTP: a 2xx answer), and throws otherwise; the forwarder then sends the
/// same batch again after a backoff. Called from the forwarder's thread only.
public protocol Upstream: AnyObject {
    var name: String { get }
    func send(_ records: [[UInt8]]) throws
}

/// Why a send failed, and whether trying again can help.
public struct UpstreamError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// False for answers that will not change by themselves (HTTP 400, 401, 413): retried anyway,
    /// slowly, since dropping data is not the forwarder's call, but logged as such.
    public let retryable: Bool

    public init(_ description: String, retryable: Bool = true) {
        self.description = description
        self.retryable = retryable
    }
}
