import Foundation
import Testing

/// Runs the canonical Python tools (`shared/workload/*.py`) for parity tests.
///
/// The scripts are found in a `shared/workload` folder beside an ancestor of this source
/// file (the repo sits next to `shared/`), or in `$WORKLOAD_SCRIPTS`. A missing `python3`
/// or script fails the calling test with a clear message instead of skipping it.
enum PythonReference {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func scriptsDirectory(filePath: String = #filePath) throws -> String {
        if let override = ProcessInfo.processInfo.environment["WORKLOAD_SCRIPTS"] {
            return override
        }
        var url = URL(fileURLWithPath: filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("shared/workload")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("gen_events.py").path) {
                return candidate.path
            }
            url.deleteLastPathComponent()
        }
        throw Failure(description: "shared/workload/gen_events.py not found beside any ancestor of \(filePath); set WORKLOAD_SCRIPTS")
    }

    static func python3() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Failure(description: "python3 is not on PATH: the Python parity tests need it (install python3)")
    }

    /// Runs python3 with `arguments`; returns stdout, throwing on a non-zero exit.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try python3())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
                + String(decoding: err, as: UTF8.self))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `gen_events.py events --seed seed --out directory`.
    static func generate(events: Int, seed: UInt64, into directory: String) throws {
        try run([try scriptsDirectory() + "/gen_events.py", String(events), "--seed", String(seed), "--out", directory])
    }

    /// The JSON line `verify.py OUTPUT N` prints, given the expectation file to compare with.
    ///
    /// Runs verify.py's own `checksum`, `compare` and `short` (its `main` minus argument
    /// handling). If the script does not parse because of the known docstring typo on the
    /// `short` function (`printed as "checksum""""`), that one typo is repaired in memory.
    static func verifyReport(output: String, expectationFile: String) throws -> String {
        let program = #"""
            import json, sys, types
            path = sys.argv[1]
            src = open(path).read()
            try:
                compile(src, path, "exec")
            except SyntaxError:
                src = src.replace('printed as "checksum""""', 'printed as \'checksum\'"""')
            m = types.ModuleType("verify")
            m.__file__ = path
            exec(compile(src, path, "exec"), m.__dict__)
            exp = json.load(open(sys.argv[3]))
            got = m.checksum(sys.argv[2])
            bad = m.compare(got, exp)
            print(json.dumps({"ok": not bad, "checksum": m.short(got), "expected": m.short(exp),
                              "problems": bad, "got": got}))
            """#
        let line = try run(["-c", program, try scriptsDirectory() + "/verify.py", output, expectationFile])
        return line.trimmingCharacters(in: .newlines)
    }
}
