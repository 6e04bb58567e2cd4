import ArgumentParser
import Foundation
import Sluice
import SluiceML

/// `sluice models list|show|promote`: the versions in a model registry.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, show and promote model versions in a registry.",
        subcommands: [List.self, Show.self, Promote.self])

    struct Options: ParsableArguments {
        @Option(help: "Model registry directory.")
        var registry: String = "models"
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per version; * marks the current one.")
        @OptionGroup var options: Options

        func run() throws {
            let registry = try ModelRegistry(directory: options.registry, create: false)
            let current = try registry.current()
            let versions = try registry.versions()
            guard !versions.isEmpty else {
                print("no versions in \(options.registry)")
                return
            }
            print("   version  parent  reason            records            accuracy  created")
            for v in versions {
                let m = try registry.load(v)
                let records = "\(m.trainedFrom)...\(m.trainedThrough)"
                let mark: String = v == current ? " * " : "   "
                let parent: String = m.parent.map { "v\($0)" } ?? "-"
                let accuracy: String = m.metrics["accuracy"].map { fixed($0 * 100, 2) + " %" } ?? "-"
                var line = mark + "v\(v)".padding(toLength: 9, withPad: " ", startingAt: 0)
                line += parent.padding(toLength: 8, withPad: " ", startingAt: 0)
                line += m.reason.padding(toLength: 18, withPad: " ", startingAt: 0)
                line += records.padding(toLength: 19, withPad: " ", startingAt: 0)
                line += accuracy.padding(toLength: 10, withPad: " ", startingAt: 0) + m.createdAt
                print(line)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a version's JSON document.")
        @OptionGroup var options: Options
        @Argument(help: "Version number (e.g. 3 or v3); default: the current one.")
        var version: String?

        func run() throws {
            let registry = try ModelRegistry(directory: options.registry, create: false)
            let number = try version.map(parseVersion) ?? registry.current() ?? { throw ValidationError("no current version in \(options.registry)") }()
            let m = try registry.load(number)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(m), as: UTF8.self))
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a version the current one (reinstate an earlier model).")
        @OptionGroup var options: Options
        @Argument(help: "Version number (e.g. 3 or v3).")
        var version: String

        func run() throws {
            let registry = try ModelRegistry(directory: options.registry, create: false)
            let number = try parseVersion(version)
            let previous = try registry.current()
            try registry.promote(number)
            print("current model: v\(number)" + (previous.map { " (was v\($0))" } ?? ""))
        }
    }
}

func parseVersion(_ text: String) throws -> Int {
    guard let n = Int(text.hasPrefix("v") ? String(text.dropFirst()) : text), n > 0 else {
        throw ValidationError("'\(text)' is not a version number (e.g. 3 or v3)")
    }
    return n
}
