import Foundation
import Testing

/// Windows through the `sluice` command: a spec with a sliding window, a lateness bound and a
/// late-data output, in a single-threaded and a parallel run.
@Suite(.serialized) struct WindowCLITests {
    static let spec = """
    name: late-demo
    schema:
      - {name: k, type: string}
      - {name: t, type: int64}
      - {name: x, type: float64}
    steps:
      - window:
          sliding: {size: 20ms, every: 10ms}
          by: k
          time: t
          max_out_of_orderness: 5ms
          allowed_lateness: 10ms
          aggregates:
            - {fn: count}
            - {fn: sum, field: x}
    """

    static let input = """
    k,t,x
    a,1,1
    a,12,2
    a,8,3
    a,40,4
    a,14,5
    a,2,6
    b,41,7
    """

    @Test(arguments: [["--shards", "1", "--prefetch", "0"], ["--shards", "2"]])
    func lateRecordsAreCorrectedOrGoToTheLateOutput(runtime: [String]) throws {
        let dir = try TempDir()
        try dir.write("p.yaml", Self.spec)
        try dir.write("in.csv", Self.input)
        let r = try CLI.run(["run", "--spec", dir.path("p.yaml"), "--input", dir.path("in.csv"), "--output", dir.path("out.csv"),
                             "--late-output", dir.path("late.ndjson"), "--batch-size", "2"] + runtime)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("late_event"))
        #expect(r.stderr.contains("late data: \(dir.path("late.ndjson"))"))
        let rows = try dir.read("out.csv").split(separator: "\n").map(String.init)
        #expect(rows.first == "k,window_start,timing,cnt,sum_x")
        // t=8 arrives with watermark 12-5=7: on time for [0,20); t=14 (watermark 35) corrects [10,30) late;
        // t=2 is 33 ms behind: [0,20) closed at 20 + 10 <= 35, so it goes to the late output.
        #expect(Set(rows.dropFirst()) == [
            "a,-10,on_time,2,4.0", "a,0,on_time,3,6.0", "a,10,on_time,1,2.0", "a,10,late,2,7.0",
            "a,30,on_time,1,4.0", "a,40,on_time,1,4.0", "b,30,on_time,1,7.0", "b,40,on_time,1,7.0",
        ])
        #expect(rows.count == 9)
        let late = try dir.read("late.ndjson").split(separator: "\n")
        #expect(late.count == 1)
        #expect(late[0].contains("\"value\":\"2\""))
        #expect(late[0].contains("allowed lateness 10ms"))
    }
}
