import Testing
@testable import Sluice

@Suite struct ExpressionKernelTests {
    let schema = Schema([Field("a", .float64), Field("b", .int64), Field("s", .string), Field("f", .bool)])

    func evalFloat(_ e: Expr, _ rows: [[Value]]) throws -> [Value] {
        let batch = makeBatch(schema, rows)
        let node = try ExpressionCompiler(schema: schema, capacity: batch.capacity).compileFloat(e)
        let v = node.view(batch)
        return batch.selectedRows.map { v.validity[$0] != 0 ? .double(v.values[$0]) : .null }
    }

    func evalBool(_ e: Expr, _ rows: [[Value]]) throws -> [Value] {
        let batch = makeBatch(schema, rows)
        let node = try ExpressionCompiler(schema: schema, capacity: batch.capacity).compileBool(e)
        let v = node.view(batch)
        return batch.selectedRows.map { v.validity[$0] != 0 ? .bool(v.values[$0] != 0) : .null }
    }

    @Test func arithmeticPropagatesNulls() throws {
        let rows: [[Value]] = [[1.5, 2, "x", true], [nil, 3, "y", false], [4.0, nil, nil, nil]]
        #expect(try evalFloat(Col("a") * Col("b") + 1, rows) == [4.0, nil, nil])
        #expect(try evalFloat((Col("a") - 20.0) / 10.0, rows) == [.double((1.5 - 20.0) / 10.0), nil, .double((4.0 - 20.0) / 10.0)])
        #expect(try evalFloat(.max(Col("a"), 2), rows) == [2.0, nil, 4.0])
        #expect(try evalFloat(-Col("b"), rows) == [-2.0, -3.0, nil])
    }

    @Test func comparisonsOnNumbersAndStrings() throws {
        let rows: [[Value]] = [[1.5, 2, "err", true], [nil, 3, "ok", false], [4.0, 1, nil, nil]]
        #expect(try evalBool(Col("s") == "err", rows) == [true, false, nil])
        #expect(try evalBool(Col("s") != "err", rows) == [false, true, nil])
        #expect(try evalBool("err" == Col("s"), rows) == [true, false, nil])
        #expect(try evalBool(Col("s") < "m", rows) == [true, false, nil])
        #expect(try evalBool(Col("a") >= Col("b"), rows) == [false, nil, true])
        #expect(try evalBool(Col("f") == true, rows) == [true, false, nil])
    }

    @Test func threeValuedLogic() throws {
        // f: true, false, null ; a > 2: false, null, true
        let rows: [[Value]] = [[1.0, 0, "", true], [nil, 0, "", false], [4.0, 0, "", nil]]
        #expect(try evalBool(Col("f") && Col("a") > 2, rows) == [false, false, nil])
        #expect(try evalBool(Col("f") || Col("a") > 2, rows) == [true, nil, true])
        #expect(try evalBool(!Col("f"), rows) == [false, true, nil])
        #expect(try evalBool(Col("a").isNull, rows) == [false, true, false])
        #expect(try evalBool(Col("s").isNotNull, rows) == [true, true, true])
    }

    @Test func onlySelectedRowsAreComputed() throws {
        let batch = makeBatch(schema, [[1.0, 1, "a", true], [2.0, 2, "b", true], [3.0, 3, "c", true]])
        batch.selection[0] = 2
        batch.selectedCount = 1
        let node = try ExpressionCompiler(schema: schema, capacity: 3).compileFloat(Col("a") * 10)
        let v = node.view(batch)
        #expect(v.values[2] == 30)
    }

    @Test func typeErrorsAreReportedBeforeRunning() {
        let compiler = ExpressionCompiler(schema: schema, capacity: 4)
        #expect(throws: PlanError.self) { try compiler.compile(Col("s") * 2) }
        #expect(throws: PlanError.self) { try compiler.compile(Col("s") == 1) }
        #expect(throws: PlanError.self) { try compiler.compile(Col("a") && Col("f")) }
        #expect(throws: PlanError.self) { try compiler.compileBool(Col("a") + 1) }
        do {
            _ = try compiler.compile(Col("tmp") + 1)
        } catch {
            #expect(error.message.contains("unknown field 'tmp'"))
        }
    }
}
