import Foundation
import SluiceWorkload
import Testing

/// The `sluice` command end to end: a real process, real files.
@Suite(.serialized) struct CLITests {
    @Test func listsTheBuiltInPipelines() throws {
        let r = try CLI.run(["list"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("sensor-features"))
        #expect(r.stdout.contains("request-latency"))
    }

    @Test func explainMatchesTheGoldenPlan() throws {
        for name in ["sensor-features", "request-latency"] {
            let r = try CLI.run(["explain", name, "--shards", "2"])
            #expect(r.status == 0, "\(r.stderr)")
            let golden = CLI.packageRoot.appendingPathComponent("Tests/SluiceCLITests/Golden/explain-\(name).txt")
            if ProcessInfo.processInfo.environment["SLUICE_UPDATE_GOLDEN"] == "1" {
                try r.stdout.write(to: golden, atomically: true, encoding: .utf8)
            }
            let expected = try String(contentsOf: golden, encoding: .utf8)
            #expect(r.stdout == expected, "explain \(name) changed; rerun with SLUICE_UPDATE_GOLDEN=1 if intended")
        }
    }

    @Test(arguments: ["csv", "ndjson"])
    func canonicalWorkloadGivesTheExpectedChecksum(format: String) throws {
        let dir = try TempDir()
        let n = 30_000
        let gen = try CLI.run(["gen", "--events", "\(n)", "--out", dir.url.path])
        #expect(gen.status == 0, "\(gen.stderr)")
        let input = WorkloadFiles.eventsPath(for: WorkloadFormat(rawValue: format)!, in: dir.url.path, events: n)
        let output = dir.path("windows.csv")
        let run = try CLI.run(["run", "sensor-features", "--input", input, "--output", output, "--summary-json", dir.path("summary.json"), "--batch-size", "1000"])
        #expect(run.status == 0, "\(run.stderr)")
        let expected = try WorkloadExpectation.load(fromDirectory: dir.url.path, events: n)
        let checksum = try WorkloadChecksum(contentsOf: output)
        #expect(checksum.problems(comparedTo: expected) == [])
        // Every record is accounted for: in = aggregated + dead-lettered.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path("summary.json")))) as! [String: Any]
        #expect(summary["recordsIn"] as? Int == n)
        #expect(summary["deadLettered"] as? Int == expected.nDirty)
        #expect(expected.totalCount + expected.nDirty == n)
        let deadLetters = try dir.read("windows.csv.dead-letter.ndjson").split(separator: "\n")
        #expect(deadLetters.count == expected.nDirty)
    }

    @Test func specRoundTripRunsTheSamePlan() throws {
        let dir = try TempDir()
        let yaml = try CLI.run(["spec", "sensor-features"])
        #expect(yaml.status == 0)
        try dir.write("p.yaml", yaml.stdout)
        let json = try CLI.run(["spec", "sensor-features", "--format", "json"])
        try dir.write("p.json", json.stdout)
        _ = try CLI.run(["gen", "--events", "5000", "--out", dir.url.path, "--formats", "csv"])
        let input = dir.path("events_5000.csv")
        for (i, args) in [["sensor-features"], ["--spec", dir.path("p.yaml")], ["--spec", dir.path("p.json")]].enumerated() {
            let r = try CLI.run(["run"] + args + ["--input", input, "--output", dir.path("out\(i).csv"), "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let a = try dir.read("out0.csv")
        #expect(try dir.read("out1.csv") == a)
        #expect(try dir.read("out2.csv") == a)
        #expect(a.hasPrefix("sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat\n"))
    }

    @Test func theReadmeYAMLSpecIsTheShippedPipeline() throws {
        let readme = try String(contentsOf: CLI.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```yaml\n"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let dir = try TempDir()
        try dir.write("readme.yaml", String(readme[start.upperBound..<end.lowerBound]))
        let fromReadme = try CLI.run(["spec", "--spec", dir.path("readme.yaml"), "--format", "json"])
        #expect(fromReadme.status == 0, "\(fromReadme.stderr)")
        let shipped = try CLI.run(["spec", "sensor-features", "--format", "json"])
        let a = try JSONSerialization.jsonObject(with: Data(fromReadme.stdout.utf8)) as! NSDictionary
        let b = (try JSONSerialization.jsonObject(with: Data(shipped.stdout.utf8)) as! NSDictionary).mutableCopy() as! NSMutableDictionary
        b.removeObject(forKey: "summary")
        #expect(a == b)
    }

    @Test func badRecordsAreDeadLetteredWithReasonsNotFatal() throws {
        let dir = try TempDir()
        try dir.write("in.csv", """
            sensor_id,ts,temp,humidity,status
            s1,1000,20.5,50,ok
            s1,1001,,50,ok
            s1,1002,20.5,50
            s1,1003,abc,50,ok
            s1,1004,500,50,ok
            s1,1005,21.5,50,err
            s2,1006,22.5,40,ok

            """)
        let r = try CLI.run(["run", "sensor-features", "--input", dir.path("in.csv"), "--output", dir.path("out.csv"), "--dead-letter", dir.path("dl.ndjson")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("7 records in, 2 out, 5 dead-lettered"))
        let lines = try dir.read("dl.ndjson").split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        let reasons = lines.map { line -> String in
            let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return "\(object["reason"]!)@\(object["record"]!)"
        }
        #expect(Set(reasons) == ["missing_required@3", "malformed_record@4", "invalid_value@5", "out_of_range@6", "dropped_by_rule@7"])
        #expect(try dir.read("out.csv").split(separator: "\n").count == 3)
    }

    @Test func readsStdinAndWritesStdout() throws {
        let input = "sensor_id,ts,temp,humidity,status\ns9,5,30,50,ok\ns9,6,10,50,ok\n"
        let dir = try TempDir()
        let r = try CLI.run(["run", "sensor-features", "--format", "csv", "--quiet"], stdin: Data(input.utf8), in: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat\ns9,0,2,0.0,-1.0,1.0,0.0\n")
    }

    @Test func ndjsonOutputFollowsTheExtension() throws {
        let dir = try TempDir()
        try dir.write("in.ndjson", """
            {"sensor_id":"a","ts":1,"temp":30.0,"humidity":50.0,"status":"ok"}

            """)
        let r = try CLI.run(["run", "sensor-features", "--input", dir.path("in.ndjson"), "--output", dir.path("out.ndjson"), "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try dir.read("out.ndjson") == "{\"sensor_id\":\"a\",\"window_start\":0,\"cnt\":1,\"mean_temp_z\":1.0,\"min_temp_z\":1.0,\"max_temp_z\":1.0,\"sum_feat\":0.5}\n")
    }

    @Test func clearErrorsForUnknownPipelinesFieldsAndFiles() throws {
        let unknown = try CLI.run(["run", "no-such-pipeline"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no pipeline named 'no-such-pipeline'"))
        let dir = try TempDir()
        try dir.write("bad.yaml", """
            name: bad
            schema:
              - {name: a, type: float64}
            steps:
              - derive: {name: b, expr: a * c}

            """)
        let bad = try CLI.run(["explain", "--spec", dir.path("bad.yaml")])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown field 'c'"))
        let missing = try CLI.run(["run", "sensor-features", "--input", dir.path("nope.csv"), "--output", dir.path("o.csv")])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("nope.csv"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("o.csv")), "no half-written output after a failure")
    }
}
