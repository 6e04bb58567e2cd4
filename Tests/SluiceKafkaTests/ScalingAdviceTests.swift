import SluiceKafka
import Testing

/// The recommended worker count: input rate plus backlog over a worker's capacity at full load,
/// between one and the partition count.
@Suite struct ScalingAdviceTests {
    @Test func capacityIsTheRateAtFullLoad() {
        #expect(ScalingAdvice.capacity(rate: 100_000, utilization: 0.25) == 400_000)
        #expect(ScalingAdvice.capacity(rate: 100_000, utilization: 1.5) == 100_000)
        #expect(ScalingAdvice.capacity(rate: 0, utilization: 0) == nil, "idle: unknown")
        #expect(ScalingAdvice.capacity(rate: 50, utilization: 0.001) == nil, "too little work to tell")
    }

    @Test func enoughWorkersForTheInputAndTheBacklog() {
        // 300 k/s arriving, 6 M behind (100 k/s over a minute), 200 k/s per worker: 2 workers.
        let advice = ScalingAdvice(inputRate: 300_000, lag: 6_000_000, capacities: [150_000, 250_000], partitions: 12)
        #expect(advice.capacityPerWorker == 200_000)
        #expect(advice.recommendedWorkers == 2)
        #expect(ScalingAdvice(inputRate: 300_001, lag: 6_000_000, capacities: [200_000], partitions: 12).recommendedWorkers == 3)
    }

    @Test func boundedByPartitionsAndAtLeastOne() {
        #expect(ScalingAdvice(inputRate: 10_000_000, lag: 0, capacities: [100_000], partitions: 12).recommendedWorkers == 12)
        #expect(ScalingAdvice(inputRate: 10, lag: 0, capacities: [100_000], partitions: 12).recommendedWorkers == 1)
        #expect(ScalingAdvice(inputRate: 0, lag: 0, capacities: [], partitions: 12).recommendedWorkers == 1, "nothing to do")
        #expect(ScalingAdvice(inputRate: 0, lag: 5, capacities: [], partitions: 12).recommendedWorkers == nil, "work, but no capacity known")
    }
}
