import Testing
@testable import SluiceWorkload

/// Reference strings printed by CPython's `repr`, `json.dumps` and `"%.3f"`.
struct PythonFloatFormatTests {
    @Test(arguments: [
        (66.9124881, "66.9124881"), (-280.431, "-280.431"), (62.402480952380955, "62.402480952380955"),
        (0.0, "0.0"), (-0.0, "-0.0"), (5.0, "5.0"), (0.1, "0.1"), (0.0001, "0.0001"), (1e-05, "1e-05"),
        (1.5e-07, "1.5e-07"), (1e15, "1000000000000000.0"), (9007199254740992.0, "9007199254740992.0"),
        (1e16, "1e+16"), (1.0000000000000002e+16, "1.0000000000000002e+16"), (123456789.0, "123456789.0"),
        (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e+308, "1.7976931348623157e+308"), (-1e100, "-1e+100"),
    ])
    func reprMatchesPython(value: Double, text: String) {
        #expect(PythonFloatFormat.repr(value) == text)
    }

    @Test func jsonAndFixedMatchPython() {
        #expect(PythonFloatFormat.json(.nan) == "NaN")
        #expect(PythonFloatFormat.json(-.infinity) == "-Infinity")
        #expect(PythonFloatFormat.fixed(49044.4743998, places: 3) == "49044.474")
        #expect(PythonFloatFormat.fixed(0.0005, places: 3) == "0.001")
        #expect(PythonFloatFormat.fixed(2.0005, places: 3) == "2.001")
        #expect(PythonFloatFormat.fixed(0.0625, places: 3) == "0.062")   // exact tie: half to even
        #expect(PythonFloatFormat.fixed(0.1875, places: 3) == "0.188")
        #expect(PythonFloatFormat.fixed(-1.5, places: 3) == "-1.500")
    }
}
