import Foundation
import LakeTestSupport
import Testing

/// This process's environment for a CLI run against an AWS emulator: the emulator's dummy
/// credentials in `us-east-1`, no profile, no shared config or credentials files (so a user's
/// `~/.aws` cannot leak in), no instance metadata, and the variables starting with any of
/// `removingPrefixes` unset.
func emulatorEnvironment(_ directory: TemporaryDirectory, accessKey: String, secretKey: String,
                         removingPrefixes: [String] = []) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    let unset = ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"]
        + environment.keys.filter { key in removingPrefixes.contains { key.hasPrefix($0) } }
    for key in unset { environment[key] = nil }
    environment["AWS_ACCESS_KEY_ID"] = accessKey
    environment["AWS_SECRET_ACCESS_KEY"] = secretKey
    environment["AWS_REGION"] = "us-east-1"
    environment["AWS_CONFIG_FILE"] = directory.file("no-aws-config")
    environment["AWS_SHARED_CREDENTIALS_FILE"] = directory.file("no-aws-credentials")
    environment["AWS_EC2_METADATA_DISABLED"] = "true"
    return environment
}

/// Runs the CLI and requires it to succeed, naming the command and its standard error if not.
func runSucceeding(_ arguments: [String], _ directory: TemporaryDirectory, _ environment: [String: String]) throws -> BuiltCLI.Run {
    let run = try BuiltCLI.run(arguments, in: directory.path, environment: environment)
    try #require(run.status == 0, "lakehouse \(arguments.joined(separator: " ")) failed (\(run.status)): \(run.stderr)")
    return run
}
