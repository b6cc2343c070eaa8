import Foundation
import PlannerCore

/// Writing the dryrun chart as SVG, or as PNG rasterised by librsvg's
/// `rsvg-convert`, and the checks that let `planner dryrun` fail before the
/// replay rather than after it.
public enum DryrunChartOutput {
    public enum Format: Equatable { case svg, png }

    /// The format a file name asks for; an error naming the flag otherwise.
    public static func format(of path: String) throws -> Format {
        switch (path as NSString).pathExtension.lowercased() {
        case "svg": return .svg
        case "png": return .png
        default: throw PlannerIOError(path: path, message: "--output-plot must name a .svg or .png file")
        }
    }

    /// Full path of `rsvg-convert` on PATH, nil when it is not installed.
    public static func rasteriser(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let dirs = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for d in dirs {
            let candidate = "\(d)/rsvg-convert"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func missingRasteriser(_ path: String) -> PlannerIOError {
        PlannerIOError(path: path, message: "PNG output needs rsvg-convert, which is not on PATH; "
            + "install Debian's librsvg2-bin package (apt-get install librsvg2-bin) or ask for a .svg file")
    }

    /// Everything that can be known before the replay: the name has a known
    /// extension, PNG can be made, and the file can be written.
    public static func preflight(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if try format(of: path) == .png, rasteriser(environment: environment) == nil { throw missingRasteriser(path) }
        try OutputPath.checkWritable(path, what: "chart")
    }

    /// Writes the chart of `result` to `path` (.svg or .png).
    public static func write(_ result: DryrunResult, to path: String) throws {
        try write(svg: DryrunChart.svg(result), to: path)
    }

    /// Writes a rendered chart to `path` (.svg as is, .png through rsvg-convert).
    public static func write(svg: String, to path: String) throws {
        switch try format(of: path) {
        case .svg:
            try OutputPath.write(Data(svg.utf8), to: path, what: "chart")
        case .png:
            guard let tool = rasteriser() else { throw missingRasteriser(path) }
            try rasterise(svg: svg, to: path, tool: tool)
        }
    }

    /// Pipes the SVG through `rsvg-convert` (no temporary file).
    static func rasterise(svg: String, to path: String, tool: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--format", "png", "--background-color", "white", "--output", path]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw PlannerIOError(path: path, message: "cannot start \(tool): \(error.localizedDescription)")
        }
        // Drain stderr on another thread so a chatty rsvg-convert cannot block on a full pipe.
        var errorText = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorText = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        input.fileHandleForWriting.write(Data(svg.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        if process.terminationStatus != 0 {
            let detail = String(decoding: errorText, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw PlannerIOError(path: path, message: "rsvg-convert failed (exit \(process.terminationStatus)): \(detail)")
        }
    }
}

/// Checks and writes for output files.
public enum OutputPath {
    /// Throws unless `path` can be created or overwritten: it is not a
    /// directory, and a file can be created in its directory (created when missing).
    public static func checkWritable(_ path: String, what: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw PlannerIOError(path: path, message: "cannot write the \(what): it is a directory") }
            // Opening (without truncating) is the only check that also holds for root and odd file systems.
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw PlannerIOError(path: path, message: "cannot write the \(what): permission denied")
            }
            try? handle.close()
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        if !fm.fileExists(atPath: dir, isDirectory: &isDirectory) {
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw PlannerIOError(path: path, message: "cannot write the \(what): cannot create directory \(dir) (\(error.localizedDescription))")
            }
        } else if !isDirectory.boolValue {
            throw PlannerIOError(path: path, message: "cannot write the \(what): \(dir) is not a directory")
        }
        // Create and remove the file: permission bits say nothing for root or on /proc-like file systems.
        guard fm.createFile(atPath: path, contents: nil) else {
            throw PlannerIOError(path: path, message: "cannot write the \(what): cannot create files in \(dir)")
        }
        try? fm.removeItem(atPath: path)
    }

    public static func write(_ data: Data, to path: String, what: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw PlannerIOError(path: path, message: "cannot write the \(what): \(error.localizedDescription)")
        }
    }
}
