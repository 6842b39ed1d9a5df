import Foundation

/// Runs a program to completion and returns its exit status and output.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var output: String
    var error: String

    var succeeded: Bool { status == 0 }
    var description: String { "exit \(status)\nstdout: \(output)\nstderr: \(error)" }
}

@discardableResult
func run(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil) -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe(), inPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inPipe
    do {
        try process.run()
    } catch {
        return CommandResult(status: -1, output: "", error: "cannot run \(arguments): \(error)")
    }
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try? inPipe.fileHandleForWriting.close()
    // Read both pipes concurrently so neither fills up.
    final class Box: @unchecked Sendable { var data = Data() }
    let errorData = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errorData.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outputData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        output: String(decoding: outputData, as: UTF8.self),
        error: String(decoding: errorData.data, as: UTF8.self))
}

/// Runs a shell command line.
@discardableResult
func sh(_ command: String) -> CommandResult { run(["sh", "-c", command]) }
