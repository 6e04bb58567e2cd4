#if canImport(Glibc)
import Glibc
#endif

/// The process's peak resident set size in bytes.
///
/// Read from `VmHWM` in `/proc/self/status`, which belongs to the current
/// address space: unlike `getrusage`'s `ru_maxrss`, it does not carry over a
/// parent's memory into a child started with `posix_spawn` (which shares the
/// parent's memory until `exec`). Falls back to `ru_maxrss` elsewhere.
public func peakResidentBytes() -> Int {
    if let memory = residentMemory() { return memory.peak }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

/// A process's memory from `/proc/PID/status` (nil `pid`: this process), in bytes: resident now
/// (`VmRSS`), its peak (`VmHWM`), and the anonymous part of it (`RssAnon`: heap and stacks, the
/// process's own memory, as opposed to clean pages of its binary and shared libraries). Nil where
/// there is no such file (not Linux, or the process is gone).
public func residentMemory(pid: Int32? = nil) -> (resident: Int, peak: Int, anonymous: Int)? {
    let fd = open(pid.map { "/proc/\($0)/status" } ?? "/proc/self/status", O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 8192)
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard n > 0 else { return nil }
    var memory = (resident: 0, peak: 0, anonymous: 0)
    for line in String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n") {
        func kilobytes() -> Int { (Int(line.filter { $0.isNumber }) ?? 0) * 1024 }
        if line.hasPrefix("VmRSS:") { memory.resident = kilobytes() }
        else if line.hasPrefix("VmHWM:") { memory.peak = kilobytes() }
        else if line.hasPrefix("RssAnon:") { memory.anonymous = kilobytes() }
    }
    return memory
}
