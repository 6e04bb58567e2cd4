import Foundation
import Sluice
@testable import SluiceOps
import Testing

/// The metrics a run exports, as Prometheus scrapes them: the runtime's reports land in the right
/// counters and histograms, with the pipeline and operator as labels.
@Suite(.serialized) struct PipelineMetricsTests {
    @Test func runtimeReportsBecomePrometheusMetrics() throws {
        let exporter = PrometheusExporter.bootstrap()
        let metrics = PipelineMetrics(pipeline: "metrics-test")
        metrics.start(operators: ["stage 1: require(temp)", "stage 1: window \"tumbling\""])
        metrics.recordsRead(100, bytes: 3000)
        metrics.recordsRead(50, bytes: 1500)
        metrics.operatorProcessed(0, rowsIn: 150, rowsOut: 140)
        metrics.operatorProcessed(1, rowsIn: 140, rowsOut: 3)
        metrics.recordsWritten(3, watermark: PipelineMetrics.wallMilliseconds() - 2000)
        metrics.microBatchCompleted(seconds: 0.003)
        metrics.sample(deadLetters: [("missing_required", "require(temp)", 10)])
        metrics.sample(deadLetters: [("missing_required", "require(temp)", 12), ("late_event", "window tumbling(10s) by k", 1)])
        metrics.checkpointed(seconds: 0.05, fileBytes: 4096, stateBytes: 10_000)
        let text = String(decoding: exporter.render(), as: UTF8.self)
        for expected in [
            #"sluice_records_in_total{pipeline="metrics-test"} 150"#,
            #"sluice_bytes_in_total{pipeline="metrics-test"} 4500"#,
            #"sluice_records_out_total{pipeline="metrics-test"} 3"#,
            #"sluice_operator_rows_in_total{pipeline="metrics-test",operator="stage 1: require(temp)"} 150"#,
            #"sluice_operator_rows_out_total{pipeline="metrics-test",operator="stage 1: window 'tumbling'"} 3"#,
            #"sluice_dead_lettered_total{pipeline="metrics-test",reason="missing_required",rule="require(temp)"} 12"#,
            #"sluice_dead_lettered_total{pipeline="metrics-test",reason="late_event",rule="window tumbling(10s) by k"} 1"#,
            #"sluice_micro_batch_seconds_count{pipeline="metrics-test"} 1"#,
            #"sluice_checkpoint_bytes{pipeline="metrics-test"} 4096"#,
            #"sluice_up{pipeline="metrics-test"} 1"#,
        ] {
            #expect(text.contains(expected), "\(expected) not in:\n\(text)")
        }
        // Emitted 2 s after its event time: the delay histogram has it between 1 and 5 s.
        #expect(text.contains(#"sluice_emit_delay_seconds_bucket{pipeline="metrics-test",le="1.0"} 0"#), "\(text)")
        #expect(text.contains(#"sluice_emit_delay_seconds_bucket{pipeline="metrics-test",le="5.0"} 1"#), "\(text)")
        #expect(metrics.counts.recordsIn == 150 && metrics.counts.deadLettered == 13)
        let w = metrics.sampleWatermark()
        #expect(w > 0)
    }
}
