import Foundation

/// A directory of model versions: `v000001.json`, `v000002.json`, … (each a ``ModelVersion``)
/// and `current.json`, which names the version in use. Files are written atomically (temporary
/// file, fsync, rename), so a crash leaves either the old or the new file, never half of one.
///
/// Promoting a version only rewrites `current.json`; no version is ever modified or deleted, so
/// any earlier version can be reinstated (`sluice models promote N`).
public final class ModelRegistry {
    public let directory: URL

    /// Opens (and creates, if `create`) a registry directory.
    public init(directory: String, create: Bool = true) throws {
        self.directory = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw RegistryError("\(directory) is a file, not a model registry directory") }
        } else if create {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } else {
            throw RegistryError("no model registry at \(directory)")
        }
    }

    private func path(_ version: Int) -> URL { directory.appendingPathComponent(String(format: "v%06d.json", version)) }
    private var currentPath: URL { directory.appendingPathComponent("current.json") }

    /// Saved version numbers, ascending.
    public func versions() throws -> [Int] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).compactMap { name -> Int? in
            guard name.hasPrefix("v"), name.hasSuffix(".json") else { return nil }
            return Int(name.dropFirst().dropLast(5))
        }.sorted()
    }

    /// The next free version number.
    public func nextVersion() throws -> Int { (try versions().last ?? 0) + 1 }

    public func load(_ version: Int) throws -> ModelVersion {
        let url = path(version)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RegistryError("model version \(version) does not exist in \(directory.path) (versions: \((try? versions())?.map(String.init).joined(separator: ", ") ?? "none"))")
        }
        do {
            return try JSONDecoder().decode(ModelVersion.self, from: data)
        } catch {
            throw RegistryError("\(url.path) is not a readable model version: \(error)")
        }
    }

    /// Saves a version (its number must be new) and returns it.
    @discardableResult
    public func save(_ version: ModelVersion) throws -> ModelVersion {
        guard !FileManager.default.fileExists(atPath: path(version.version).path) else {
            throw RegistryError("model version \(version.version) already exists in \(directory.path); versions are never overwritten")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Self.writeAtomically(try encoder.encode(version), to: path(version.version))
        return version
    }

    /// The version in use, if any was promoted.
    public func current() throws -> Int? {
        guard let data = FileManager.default.contents(atPath: currentPath.path) else { return nil }
        struct Pointer: Codable { var version: Int }
        guard let pointer = try? JSONDecoder().decode(Pointer.self, from: data) else {
            throw RegistryError("\(currentPath.path) is corrupt; promote a version again (sluice models promote N)")
        }
        return pointer.version
    }

    /// Makes `version` the one in use (it must exist).
    public func promote(_ version: Int) throws {
        _ = try load(version)
        try Self.writeAtomically(Data("{\"version\": \(version)}\n".utf8), to: currentPath)
    }

    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temp.path, contents: data) else { throw RegistryError("cannot write \(temp.path)") }
        let fd = open(temp.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temp.path, url.path) == 0 else {
            unlink(temp.path)
            throw RegistryError("cannot rename \(temp.path) to \(url.path): errno \(errno)")
        }
        let dir = open(url.deletingLastPathComponent().path, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}
