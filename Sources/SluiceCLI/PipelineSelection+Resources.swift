import Foundation
import Sluice
import SluiceFiles

extension PipelineSelection {
    /// What plans of the selected pipeline need from outside: lookup tables read from files,
    /// relative paths resolved against the spec file's directory (`--spec`), else the working directory.
    var planResources: PlanResources {
        .files(relativeTo: spec.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path })
    }
}

extension PipelineSpec {
    /// Whether a step needs ``PlanResources`` (an `enrich` step's table).
    var needsResources: Bool {
        steps.contains { if case .enrich = $0 { true } else { false } }
    }
}
