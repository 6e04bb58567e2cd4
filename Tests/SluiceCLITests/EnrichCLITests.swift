import Foundation
import Testing

/// `sluice run/explain/spec` with an enrich step: a YAML spec whose table path
/// is relative to the spec file, run from another directory.
@Suite(.serialized) struct EnrichCLITests {
    let spec = """
        name: enrich-demo
        schema:
          - {name: sensor_id, type: string}
          - {name: ts, type: int64}
        steps:
          - enrich:
              table: tables/sensors.csv
              key: sensor_id
              fields: [{name: site, type: string}, {name: elevation, type: float64}]
              on_miss: reject
              cache: {capacity: 2, ttl: 5m}
        """

    func setUp() throws -> TempDir {
        let dir = try TempDir()
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("tables"), withIntermediateDirectories: true)
        try dir.write("tables/sensors.csv", "sensor_id,site,elevation\ns1,north,120.5\ns2,\"south, quay\",3\ns3,east,\n")
        try dir.write("p.yaml", spec)
        try dir.write("events.csv", "sensor_id,ts\ns1,1\ns2,2\ns1,3\ns9,4\ns3,5\ns1,6\n")
        return dir
    }

    @Test func runResolvesTheTableNextToTheSpecAndReportsTheCache() throws {
        let dir = try setUp()
        let elsewhere = FileManager.default.temporaryDirectory
        let r = try CLI.run(["run", "--spec", dir.path("p.yaml"), "--input", dir.path("events.csv"), "--output", dir.path("out.csv"),
                             "--summary-json", dir.path("summary.json")], in: elsewhere)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try dir.read("out.csv") == "sensor_id,ts,site,elevation\ns1,1,north,120.5\ns2,2,\"south, quay\",3.0\ns1,3,north,120.5\ns3,5,east,\ns1,6,north,120.5\n")
        #expect(r.stderr.contains("lookup_miss               1  enrich(sensor_id) from tables/sensors.csv"), "\(r.stderr)")
        #expect(r.stderr.contains("enrich sensor_id from tables/sensors.csv: 6 rows, 5 matched, 1 unmatched, rejected as lookup_miss"), "\(r.stderr)")
        // s1 miss, s2 miss, s1 hit, s9 miss (evicts s2), s3 miss (evicts s1), s1 miss (evicts s9)
        #expect(r.stderr.contains("cache LRU 2 entries, ttl 5m: 1 hits, 5 misses, hit rate 16.7 %, 3 evictions, 0 expirations; 5 table lookups, 4 records read from disk"), "\(r.stderr)")
        let deadLetter = try dir.read("out.csv.dead-letter.ndjson")
        #expect(deadLetter.contains("\"reason\":\"lookup_miss\""))
        #expect(deadLetter.contains("\"value\":\"s9\""))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.url.appendingPathComponent("summary.json"))) as! [String: Any]
        let enrichments = try #require(summary["enrichments"] as? [[String: Any]])
        #expect(enrichments.first?["matched"] as? Int == 5)
        #expect((enrichments.first?["cache"] as? [String: Any])?["hits"] as? Int == 1)
    }

    @Test func explainShowsTheEnrichOperatorAndItsCache() throws {
        let dir = try setUp()
        let r = try CLI.run(["explain", "--spec", dir.path("p.yaml")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stage 1: source -> [enrich(site, elevation)] -> sink"), "\(r.stdout)")
        #expect(r.stdout.contains("1. enrich on sensor_id -> site: string, elevation: float64 from \(dir.path("tables/sensors.csv")) (csv, key sensor_id: string, 3 keys indexed by byte offset; a lookup reads and decodes one record); on miss: reject (lookup_miss); cache: LRU 2 entries, ttl 5m"), "\(r.stdout)")
        #expect(r.stdout.contains("output: sensor_id: string, ts: int64, site: string, elevation: float64"))
    }

    @Test func theSpecRoundTripsThroughYAMLAndJSON() throws {
        let dir = try setUp()
        for format in ["yaml", "json"] {
            let printed = try CLI.run(["spec", "--spec", dir.path("p.yaml"), "--format", format])
            #expect(printed.status == 0, "\(printed.stderr)")
            #expect(printed.stdout.contains("table_key") == false)
            #expect(printed.stdout.contains("on_miss"))
            try dir.write("again.\(format)", printed.stdout)
            let r = try CLI.run(["run", "--spec", dir.path("again.\(format)"), "--input", dir.path("events.csv"), "--output", dir.path("again-\(format).csv"), "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try dir.read("again-\(format).csv") == (try? dir.read("again-yaml.csv")))
        }
    }

    @Test func aMissingTableColumnFailsBeforeReadingInput() throws {
        let dir = try setUp()
        try dir.write("bad.yaml", spec.replacingOccurrences(of: "key: sensor_id", with: "key: sensor_id\n      table_key: id"))
        let r = try CLI.run(["run", "--spec", dir.path("bad.yaml"), "--input", dir.path("events.csv"), "--output", dir.path("out.csv")])
        #expect(r.status != 0)
        #expect(r.stderr.contains("CSV header lacks field 'id'"), "\(r.stderr)")
        #expect(r.stderr.contains("(step 1 (enrich))"), "\(r.stderr)")
    }
}
