import Foundation
import Sluice
import Testing

@testable import SluiceFiles

/// Lookup tables from CSV and NDJSON files: the index built at open, one
/// `pread` + decode per lookup, duplicates, preloading, and clear errors.
@Suite struct FileLookupTableTests {
    /// A scratch directory, removed when the test's value goes away.
    final class Scratch {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-lookup-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            return file
        }
    }

    func lookup(_ table: any LookupTable, _ key: Value) throws -> [Value]? {
        try LookupKey.with(key) { try table.lookup($0) } ?? nil
    }

    let sensorsCSV = """
        \u{FEFF}sensor_id,site,elevation,note
        s1,north,120.5,plain
        s2,"south, quay",3,"a ""quoted"" note"
        s3,east,,"two
        lines"
        s4,west,7.25,
        """

    @Test func csvTableReadsOneRecordFromDiskPerLookup() throws {
        let dir = try Scratch()
        let path = try dir.write("sensors.csv", sensorsCSV)
        let table = try FileLookupTable(path: path, format: .csv, key: Field("sensor_id", .string),
                                        fields: [Field("site", .string), Field("elevation", .float64), Field("note", .string)])
        #expect(table.index.keys == 4)
        #expect(table.index.records == 4)
        #expect(table.storageReads == 0, "opening builds the index and reads no record back")
        #expect(try lookup(table, "s2") == ["south, quay", 3.0, "a \"quoted\" note"])
        #expect(table.storageReads == 1)
        #expect(try lookup(table, "s3") == ["east", nil, "two\nlines"])
        #expect(try lookup(table, "s4") == ["west", 7.25, nil])
        #expect(try lookup(table, "s1") == ["north", 120.5, "plain"])
        #expect(table.storageReads == 4)
        #expect(try lookup(table, "s9") == nil)
        #expect(try lookup(table, "S1") == nil)
        #expect(table.storageReads == 4, "a key not in the index costs no read")
        #expect(try lookup(table, "s2") == ["south, quay", 3.0, "a \"quoted\" note"])
        #expect(table.storageReads == 5, "the table itself does not cache")
        #expect(table.explanation.contains("(csv, key sensor_id: string, 4 keys indexed by byte offset; a lookup reads and decodes one record)"))
    }

    @Test func ndjsonTableWithInt64KeysAndABOM() throws {
        let dir = try Scratch()
        let path = try dir.write("names.ndjson", """
            \u{FEFF}{"id": 1, "name": "one", "weight": 1.5}

            {"name": "two", "id": 2}
            {"id": -3, "name": "minus \\"three\\"", "weight": 3, "extra": [1, {"x": 2}]}
            {"id": null, "name": "nobody"}

            """)
        let table = try FileLookupTable(path: path, format: .ndjson, key: Field("id", .int64),
                                        fields: [Field("name", .string), Field("weight", .float64)])
        #expect(table.index.keys == 3)
        #expect(table.index.nullKeys == 1)
        #expect(try lookup(table, 2) == ["two", nil])
        #expect(try lookup(table, -3) == ["minus \"three\"", 3.0])
        #expect(try lookup(table, 1) == ["one", 1.5], "the first record, after its byte order mark")
        #expect(try lookup(table, 4) == nil)
        #expect(table.storageReads == 3)
        #expect(table.explanation.contains("1 record without a key skipped"))
    }

    @Test func duplicateKeysLastOneWinsAndAreCounted() throws {
        let dir = try Scratch()
        let path = try dir.write("t.csv", "k,v\na,1\nb,2\na,3\na,4\n")
        let table = try FileLookupTable(path: path, format: .csv, key: Field("k", .string), fields: [Field("v", .int64)])
        #expect(try lookup(table, "a") == [4])
        #expect(try lookup(table, "b") == [2])
        #expect(table.index.duplicates == 2)
        #expect(table.index.keys == 2)
        #expect(table.explanation.contains("2 duplicate keys, last wins"))
        let ints = try FileLookupTable(path: try dir.write("i.csv", "k,v\n7,x\n7,y\n"), format: .csv, key: Field("k", .int64), fields: [Field("v", .string)])
        #expect(try lookup(ints, 7) == ["y"])
        #expect(ints.index.duplicates == 1)
    }

    @Test func preloadedTablesAnswerFromMemory() throws {
        let dir = try Scratch()
        let path = try dir.write("sensors.csv", sensorsCSV + "\ns1,north-2,1,\n")
        let fields = [Field("site", .string), Field("elevation", .float64), Field("note", .string)]
        let indexed = try FileLookupTable(path: path, format: .csv, key: Field("sensor_id", .string), fields: fields)
        let preloaded = try FileLookupTable(path: path, format: .csv, key: Field("sensor_id", .string), fields: fields, preload: true)
        for key: Value in ["s1", "s2", "s3", "s4", "s5"] {
            #expect(try lookup(preloaded, key) == lookup(indexed, key), "\(key)")
        }
        #expect(preloaded.storageReads == 0)
        #expect(preloaded.index.duplicates == 1)
        #expect(preloaded.explanation.contains("4 keys preloaded in memory; 1 duplicate key, last wins"))
    }

    @Test func aMissingKeyColumnIsAClearError() throws {
        let dir = try Scratch()
        let path = try dir.write("sensors.csv", "id,site\ns1,north\n")
        let error = #expect(throws: LookupTableError.self) {
            try FileLookupTable(path: path, format: .csv, key: Field("sensor_id", .string), fields: [Field("site", .string)])
        }
        let message = error?.message ?? ""
        #expect(message.contains("CSV header lacks field 'sensor_id'"), "\(message)")
        #expect(message.contains("the header has: id, site"))
        #expect(message.contains("set table_key"))

        let ndjson = try dir.write("sensors.ndjson", "{\"id\": \"s1\", \"site\": \"north\"}\n")
        let ndjsonError = #expect(throws: LookupTableError.self) {
            try FileLookupTable(path: ndjson, format: .ndjson, key: Field("sensor_id", .string), fields: [Field("site", .string)])
        }
        #expect(ndjsonError?.message.contains("no record has a value for the key column 'sensor_id' (set table_key") == true)
    }

    @Test func aRecordThatDoesNotDecodeIsAClearError() throws {
        let dir = try Scratch()
        let path = try dir.write("t.csv", "k,v\na,1\nb,oops\nc,3\n")
        let error = #expect(throws: LookupTableError.self) {
            try FileLookupTable(path: path, format: .csv, key: Field("k", .string), fields: [Field("v", .int64)])
        }
        #expect(error?.message.contains("1 record could not be decoded with the declared types (k: string, v: int64)") == true)
        #expect(error?.message.contains("\"record\":3") == true)
        #expect(error?.message.contains("field 'v' is not a valid int64") == true)
    }

    @Test func aMissingFileIsAClearError() {
        let error = #expect(throws: LookupTableError.self) {
            try FileLookupTable(path: "/nonexistent/sensors.csv", format: .csv, key: Field("k", .string), fields: [Field("v", .string)])
        }
        #expect(error?.message.contains("cannot open lookup table '/nonexistent/sensors.csv'") == true)
    }

    @Test func aTableIsNotOpenedOnAFileThatChangedSinceItWasIndexed() throws {
        let dir = try Scratch()
        let path = try dir.write("t.csv", "k,v\na,1\n")
        let index = try FileLookupIndex.build(path: path, format: .csv, key: Field("k", .string), fields: [Field("v", .int64)])
        _ = try FileLookupTable(index: index)
        try dir.write("t.csv", "k,v\na,1\nb,2\n")
        #expect(throws: LookupTableError.self) { try FileLookupTable(index: index) }
    }

    @Test func theProviderResolvesRelativePathsAndSharesOneIndexPerFile() throws {
        let dir = try Scratch()
        try dir.write("sensors.csv", sensorsCSV)
        let provider = FileLookupTableProvider(baseDirectory: dir.path)
        let request = LookupTableRequest(spec: EnrichSpec(table: "sensors.csv", key: "sensor_id", fields: [Field("site", .string)]), keyType: .string)
        let a = try #require(try provider.open(request) as? FileLookupTable)
        let b = try #require(try provider.open(request) as? FileLookupTable)
        #expect(a !== b, "each plan instance gets its own table")
        #expect(a.index === b.index, "built once, shared")
        #expect(try lookup(a, "s1") == ["north"])
        #expect(provider.path(of: "/abs/t.csv") == "/abs/t.csv")
        #expect(provider.path(of: "t.csv") == dir.path + "/t.csv")

        var tableKey = request
        tableKey.spec.key = "sid"
        tableKey.spec.tableKey = "sensor_id"
        let c = try #require(try provider.open(tableKey) as? FileLookupTable)
        #expect(try lookup(c, "s4") == ["west"])

        let unknown = LookupTableRequest(spec: EnrichSpec(table: "sensors.txt", key: "k", fields: [Field("v", .string)]), keyType: .string)
        let error = #expect(throws: LookupTableError.self) { try provider.open(unknown) }
        #expect(error?.message.contains("cannot tell the format of lookup table 'sensors.txt'") == true)
    }

    /// Two keys with the same 64-bit hash: the index keeps both, the cache never serves one for the other.
    @Test func keysWithTheSameHashAreToldApart() throws {
        let (a, b) = HashCollisions.pair()
        #expect(a != b)
        #expect(HashCollisions.hashOf(a) == HashCollisions.hashOf(b))
        let dir = try Scratch()
        try dir.write("t.csv", "k,v\n\(a),first\n\(b),second\nother,third\n\(b),second-2\n")
        let table = try FileLookupTable(path: dir.path + "/t.csv", format: .csv, key: Field("k", .string), fields: [Field("v", .string)])
        #expect(table.index.keys == 3)
        #expect(table.index.duplicates == 1, "b twice: the collision with a is not a duplicate")
        #expect(try lookup(table, .string(a)) == ["first"])
        #expect(try lookup(table, .string(b)) == ["second-2"])
        #expect(try lookup(table, "other") == ["third"])

        // Through the enrich step's cache: a and b share a cache slot and evict each other's answer.
        let events = try dir.write("events.csv", "k\n\(a)\n\(b)\n\(a)\n\(a)\n\(b)\n")
        let spec = PipelineSpec(name: "t", schema: Schema([Field("k", .string)]), steps: [
            .enrich(EnrichSpec(table: "t.csv", key: "k", fields: [Field("v", .string)], cache: .lru(capacity: 16))),
        ])
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters, resources: .files(relativeTo: dir.path))
        let sink = RowSink()
        _ = try PipelineRunner(plan: plan, source: FileSource(path: events, decoder: CSVDecoder()), sink: sink, deadLetters: letters).run()
        #expect(sink.rows.map { $0["v"]! } == ["first", "second-2", "first", "first", "second-2"])
        let stats = try #require(plan.enrichStatistics.first)
        #expect(stats.cache?.hits == 1, "only the repeated a right after a")
        #expect(stats.cache?.misses == 4)
    }

    /// A whole pipeline from a file source through an enrich step with a file table and a cache.
    @Test func enrichesAFileStream() throws {
        let dir = try Scratch()
        try dir.write("sensors.csv", sensorsCSV)
        let events = try dir.write("events.csv", "sensor_id,ts\ns1,1\ns2,2\ns1,3\ns9,4\ns1,5\n")
        let spec = PipelineSpec(name: "t", schema: Schema([Field("sensor_id", .string), Field("ts", .int64)]), steps: [
            .enrich(EnrichSpec(table: "sensors.csv", key: "sensor_id", fields: [Field("site", .string)], cache: .lru(capacity: 8))),
        ])
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters, resources: .files(relativeTo: dir.path))
        let sink = RowSink()
        _ = try PipelineRunner(plan: plan, source: FileSource(path: events, decoder: CSVDecoder()), sink: sink, deadLetters: letters).run()
        #expect(sink.rows.map { $0["site"]! } == ["north", "south, quay", "north", nil, "north"])
        let stats = try #require(plan.enrichStatistics.first)
        #expect(stats.tableLookups == 3)
        #expect(stats.storageReads == 2, "s9 is not in the index")
        #expect(stats.cache?.hits == 2)
    }
}
