import Testing
@testable import Sluice

@Suite struct ExprTextTests {
    @Test func printsWithMinimalParentheses() {
        let e: Expr = (Col("temp") - 20.0) / 10.0
        #expect(e.description == "(temp - 20.0) / 10.0")
        let f: Expr = Col("a") - (Col("b") - Col("c"))
        #expect(f.description == "a - (b - c)")
        let g: Expr = Col("status") == "err" || Col("temp").isNull
        #expect(g.description == "status == \"err\" || is_null(temp)")
    }

    @Test func parsesWhatItPrints() throws {
        let samples: [Expr] = [
            (Col("temp") - 20.0) / 10.0,
            Col("temp_z") * Col("hum_n"),
            Col("a") - (Col("b") - Col("c")) * 2,
            !(Col("x") > 3) && Col("y") <= 4.5,
            Col("status") != "o\"k",
            .max(.abs(Col("a")), 1),
            Col("weird name") + 1,
            Col("v").isNotNull,
        ]
        for e in samples {
            #expect(try Expr(parsing: e.description) == e, "round trip of \(e)")
        }
    }

    @Test func parsesPrecedenceAndSQLSpellings() throws {
        #expect(try Expr(parsing: "a + b * c") == Col("a") + Col("b") * Col("c"))
        #expect(try Expr(parsing: "a = 'x'") == (Col("a") == "x"))
        #expect(try Expr(parsing: "a <> 1") == (Col("a") != 1))
        #expect(try Expr(parsing: "-3.5") == .literal(.double(-3.5)))
        #expect(try Expr(parsing: "x > 1 && y < 2 || z") == ((Col("x") > 1 && Col("y") < 2) || Col("z")))
    }

    @Test func reportsErrorsWithTheirColumn() {
        #expect(throws: ExprParseError.self) { try Expr(parsing: "a + ") }
        do {
            _ = try Expr(parsing: "a * (b + 1")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.message == "expected ')'")
            #expect(error.column == 11)
        }
        do {
            _ = try Expr(parsing: "sqr(a)")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.message.contains("unknown function 'sqr'"))
        }
    }
}
