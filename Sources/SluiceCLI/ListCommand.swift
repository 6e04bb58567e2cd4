import ArgumentParser
import Sluice
import SluiceCommandCore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the pipelines built into this binary.")

    func run() throws {
        for p in CommandContext.pipelines.pipelines {
            print("\(p.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(p.spec.summary ?? "")")
        }
    }
}

extension String {
    func padding(toLength n: Int, withPad pad: String, startingAt: Int) -> String {
        count >= n ? self + " " : self + String(repeating: pad, count: n - count)
    }
}
