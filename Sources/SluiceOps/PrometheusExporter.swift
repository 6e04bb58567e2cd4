import Metrics
import Prometheus

/// The process's metrics registry, exported in the Prometheus text format. Bootstrapping makes it
/// the backend of swift-metrics, so every `Counter`/`Timer`/`Gauge` the process creates lands here.
public final class PrometheusExporter: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// swift-metrics can be bootstrapped once per process: the first exporter owns the backend.
    private static let shared: PrometheusExporter = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Micro-batches take microseconds to milliseconds; emission delays and checkpoints, milliseconds to minutes.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        return PrometheusExporter(registry: registry)
    }()

    private init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// The process's exporter (bootstraps swift-metrics on first use).
    public static func bootstrap() -> PrometheusExporter { shared }

    /// Every metric, as a scrape of `/metrics` returns it (text format 0.0.4).
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
