import Foundation

/// Finds the data folder: explicit path, else $MASKLAB_DATA, else ./data, else ../shared/data (relative to cwd);
/// returns the first that exists, or throws .missing listing where it looked and how to fetch (`masklab data fetch NAME`).
///
/// An explicit path that does not exist is an error (it is never silently replaced by another folder).
public enum DataLocator {
    /// The environment variable naming the data folder.
    public static let environmentVariable = "MASKLAB_DATA"

    public static func resolve(explicit: String?) throws(DatasetError) -> URL {
        try resolve(explicit: explicit, environment: ProcessInfo.processInfo.environment,
                    currentDirectory: FileManager.default.currentDirectoryPath)
    }

    /// `resolve(explicit:)` with the environment and working directory given (for tests).
    public static func resolve(explicit: String?, environment: [String: String], currentDirectory: String) throws(DatasetError) -> URL {
        func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : currentDirectory + "/" + p }
        if let explicit {
            let path = absolute(explicit)
            guard FileIO.exists(path, directory: true) else {
                throw .missing(path: path, hint: "The data folder given does not exist. Create it and fetch data with "
                               + "`masklab data fetch mnist --root \(explicit)` (or cifar10).")
            }
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        var looked: [String] = []
        if let env = environment[environmentVariable], !env.isEmpty {
            looked.append(absolute(env) + " ($\(environmentVariable))")
            if FileIO.exists(absolute(env), directory: true) { return URL(fileURLWithPath: absolute(env), isDirectory: true) }
        }
        for candidate in ["data", "../shared/data"] {
            let path = absolute(candidate)
            looked.append(path)
            if FileIO.exists(path, directory: true) { return URL(fileURLWithPath: path, isDirectory: true) }
        }
        throw .missing(path: looked.first ?? "data", hint: "No data folder found; looked in \(looked.joined(separator: ", ")). "
                       + "Fetch data with `masklab data fetch mnist` (or cifar10) into ./data, or set $\(environmentVariable).")
    }
}
