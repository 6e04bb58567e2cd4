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
    let fd = open("/proc/self/status", O_RDONLY)
    if fd >= 0 {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.filter { $0.isNumber }
                if let kb = Int(digits) { return kb * 1024 }
            }
        }
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}
