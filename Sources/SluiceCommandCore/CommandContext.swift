import Sluice
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A failure while running (as opposed to invalid arguments): printed as `error: …`, exit code 1.
package struct RuntimeError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Process-wide configuration set once by ``SluiceCLI/main(registry:arguments:)``
/// before any command runs (ArgumentParser instantiates commands itself, so
/// they cannot be handed the registry directly).
package enum CommandContext {
    package static let registry = Mutex(PipelineRegistry([]))
    package static var pipelines: PipelineRegistry { registry.withLock { $0 } }
}

package func exit(_ code: Int32) -> Never { Glibc.exit(code) }

/// Writes to standard error.
package func printError(_ text: String) {
    var s = text + "\n"
    s.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
}
