public import Foundation

/// The shared `config` and `credentials` files: INI sections of `key = value` lines.
///
/// `[name]` in the credentials file and `[profile name]` (or `[default]`) in the config file name
/// profiles; `[services name]` sections hold per-service settings, written as nested
/// `service =` blocks of indented `key = value` lines (e.g. `s3 =` / `  endpoint_url = …`).
public struct AWSConfigFile: Sendable, Hashable {
    /// Section name → key → value; nested blocks are keys `parent.key`.
    public var sections: [String: [String: String]]

    public init(sections: [String: [String: String]] = [:]) {
        self.sections = sections
    }

    /// Parses the file text; comment lines start with `#` or `;`.
    public static func parse(_ text: String) -> AWSConfigFile {
        var sections: [String: [String: String]] = [:]
        var current: String?
        var parent: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let isIndented = rawLine.first == " " || rawLine.first == "\t"
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                    .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                parent = nil
                if let current, sections[current] == nil { sections[current] = [:] }
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            // Inline comments need whitespace before the marker.
            if let marker = value.range(of: " #") ?? value.range(of: " ;") { value = String(value[..<marker.lowerBound]).trimmingCharacters(in: .whitespaces) }
            if isIndented, let parent {
                sections[section, default: [:]]["\(parent).\(key)"] = value
            } else if value.isEmpty {
                parent = key
            } else {
                parent = nil
                sections[section, default: [:]][key] = value
            }
        }
        return AWSConfigFile(sections: sections)
    }

    /// Reads `path`; a missing file is an empty one.
    public static func load(_ path: String) throws(AWSError) -> AWSConfigFile {
        guard FileManager.default.fileExists(atPath: path) else { return AWSConfigFile() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AWSError(.configuration, message: "cannot read \(path)")
        }
        return parse(String(decoding: data, as: UTF8.self))
    }
}

/// The settings of one profile, merged from the config and credentials files.
public struct AWSProfile: Sendable, Hashable {
    public var name: String
    /// Keys from the config file's `[profile name]` (or `[default]`) overlaid by the
    /// credentials file's `[name]`.
    public var settings: [String: String]
    /// The `[services …]` section the profile names, if any.
    public var services: [String: String]

    public init(name: String, settings: [String: String], services: [String: String] = [:]) {
        self.name = name
        self.settings = settings
        self.services = services
    }

    public subscript(key: String) -> String? { settings[key] }

    /// Loads profile `name` (default: `AWS_PROFILE` or `default`) from the files named by
    /// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/config`, `~/.aws/credentials`).
    public static func load(name: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AWSError) -> AWSProfile {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let profile = name ?? environment["AWS_PROFILE"] ?? "default"
        let config = try AWSConfigFile.load(environment["AWS_CONFIG_FILE"] ?? home + "/.aws/config")
        let credentials = try AWSConfigFile.load(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials")
        var settings = config.sections[profile == "default" ? "default" : "profile \(profile)"]
            ?? (profile == "default" ? config.sections["profile default"] : nil) ?? [:]
        for (key, value) in credentials.sections[profile] ?? [:] { settings[key] = value }
        let services = settings["services"].flatMap { config.sections["services \($0)"] } ?? [:]
        return AWSProfile(name: profile, settings: settings, services: services)
    }
}
