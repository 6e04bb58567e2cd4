import Foundation
import Testing
@testable import Sluice

/// The anonymize step: dropped fields are gone, masks keep only the tail, salted hashes are stable
/// per salt and still group in a window, and the spec form round-trips.
@Suite struct AnonymizeTests {
    let schema = Schema([Field("user", .string), Field("phone", .string), Field("email", .string), Field("ts", .int64), Field("amount", .float64)])
    let rows: [[String: Value]] = [
        ["user": "alice", "phone": "+4915123456789", "email": "a@x.org", "ts": 1, "amount": 2.0],
        ["user": "bob", "phone": "0301234", "email": "b@x.org", "ts": 2, "amount": 3.0],
        ["user": "alice", "phone": "12", "ts": 3, "amount": 4.0],
        ["user": "zoë", "phone": "Zoë Ärger", "email": "z@x.org", "ts": 4, "amount": 5.0],
        ["phone": nil, "ts": 5, "amount": 1.0],
    ]

    func run(_ steps: [Step], batchSize: Int = 2) throws -> [[String: Value]] {
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(PipelineSpec(name: "anon", schema: schema, steps: steps), deadLetters: letters, batchSize: batchSize)
        let sink = RowSink()
        _ = try PipelineRunner(plan: plan, source: RowSource(rows), sink: sink, deadLetters: letters).run()
        return sink.rows
    }

    @Test func dropMaskAndHash() throws {
        let out = try run([.anonymize([.drop("email"), .mask(field: "phone", keepLast: 4), .hash(field: "user", salt: "s3cret")])])
        #expect(out.count == 5)
        #expect(out.allSatisfy { $0["email"] == nil }, "dropped: not in the output")
        #expect(out.map { $0["phone"] } == ["**********6789", "***1234", "12", "*****rger", .null])
        let users = out.map { $0["user"] }
        guard case .string(let alice) = users[0], case .string(let bob) = users[1] else { Issue.record("hashes are strings: \(users)"); return }
        #expect(alice.count == 16 && alice.allSatisfy(\.isHexDigit))
        #expect(users[2] == users[0] && alice != bob, "equal values, equal hashes")
        #expect(users[4] == .null)
        // Another salt, other hashes; the same salt in another run, the same ones.
        let other = try run([.anonymize([.hash(field: "user", salt: "other")])])
        #expect(other[0]["user"] != users[0])
        #expect(try run([.anonymize([.hash(field: "user", salt: "s3cret")])], batchSize: 7)[0]["user"] == users[0])
    }

    @Test func hashedKeysStillGroupInWindows() throws {
        let out = try run([
            .anonymize([.hash(field: "user", salt: "k")]),
            .window(WindowSpec(kind: .tumbling(.milliseconds(100)), by: ["user"], time: "ts", aggregates: [Count(), Sum("amount")])),
        ])
        let counts = Dictionary(uniqueKeysWithValues: out.compactMap { row -> (String, Value)? in
            guard case .string(let u) = row["user"] else { return nil }
            return (u, row["cnt"] ?? .null)
        })
        #expect(counts.count == 3, "alice, bob, zoë: \(out)")
        #expect(counts.values.contains(.int(2)), "alice's two records in one window under her hash")
        #expect(!out.contains { $0["user"] == "alice" })
    }

    @Test func planErrorsNameTheProblem() throws {
        #expect { try run([.anonymize([.drop("email")]), .select(["email"])]) } throws: { "\($0)".contains("email") }
        #expect { try run([.anonymize([.mask(field: "amount")])]) } throws: { "\($0)".contains("mask needs a string, 'amount' is float64") }
        #expect { try run([.anonymize([.mask(field: "phone", with: "##")])]) } throws: { "\($0)".contains("one ASCII character") }
        #expect { try run([.anonymize([.hash(field: "nope", salt: "s")])]) } throws: { "\($0)".contains("nope") }
    }

    @Test func specFormRoundTripsAndRefusesAHashWithoutSalt() throws {
        let step = Step.anonymize([.drop("email"), .mask(field: "phone", keepLast: 4, with: "#"), .hash(field: "user", salt: "s", as: "user_id")])
        let json = try JSONEncoder().encode([step])
        #expect(try JSONDecoder().decode([Step].self, from: json) == [step])
        let noSalt = #"[{"anonymize":[{"hash":{"field":"user"}}]}]"#
        #expect { try JSONDecoder().decode([Step].self, from: Data(noSalt.utf8)) } throws: { "\($0)".contains("needs a salt") }
        setenv("SLUICE_TEST_SALT", "from-env", 1)
        let fromEnv = #"[{"anonymize":[{"hash":{"field":"user","salt_env":"SLUICE_TEST_SALT"}}]}]"#
        #expect(try JSONDecoder().decode([Step].self, from: Data(fromEnv.utf8)) == [.anonymize([.hash(field: "user", salt: "from-env")])])
    }

    @Test func sipHashMatchesTheReferenceVectors() {
        // From the SipHash paper: key 00..0f, messages 00, 00 01, … (the first and the 8-byte one).
        let key = SipHash24(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
        #expect([UInt8]().withUnsafeBytes { key.hash($0) } == 0x726f_db47_dd0e_0e31)
        #expect((0..<8).map { UInt8($0) }.withUnsafeBytes { key.hash($0) } == 0x93f5_f579_9a93_2462)
    }
}
