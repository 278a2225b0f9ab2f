import Crypto
import Foundation

/// FileFreshness, FileSize, FileUniqueness, FileMatch over local files.
extension RuleRunner {
    /// The files a rule looks at: its path parameter (a file or a directory, recursively) or
    /// the files the primary dataset was read from.
    private func files(_ rule: DQDLRule, parameterIndex: Int = 0) throws(RuleError) -> [DQFile] {
        guard parameterIndex < rule.parameters.count else {
            guard !context.primary.files.isEmpty else {
                throw RuleError("The dataset has no source files; give \(rule.type) a path")
            }
            return context.primary.files
        }
        let path = try parameter(rule, parameterIndex)
        if path.lowercased().hasPrefix("s3://") {
            throw RuleError("\(rule.type) reads local paths; S3 paths are listed through LakeAWS (got \(path))")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuleError("Path \(path) does not exist")
        }
        var paths: [String] = []
        if isDirectory.boolValue {
            let enumerator = FileManager.default.enumerator(atPath: path)
            while let relative = enumerator?.nextObject() as? String {
                let full = path + "/" + relative
                var childIsDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &childIsDirectory), !childIsDirectory.boolValue {
                    paths.append(full)
                }
            }
        } else {
            paths = [path]
        }
        guard !paths.isEmpty else { throw RuleError("Path \(path) holds no files") }
        var files: [DQFile] = []
        for file in paths.sorted() {
            do {
                files.append(try DQFile.local(file))
            } catch {
                throw RuleError(error.description)
            }
        }
        return files
    }

    /// The file's digest in lowercase hex.
    private static func digest(_ path: String, algorithm: String) throws(RuleError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RuleError("Cannot read \(path)") }
        defer { try? handle.close() }
        func run<H: HashFunction>(_ hasher: inout H) -> String {
            while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
        switch algorithm.uppercased().replacingOccurrences(of: "-", with: "") {
        case "MD5":
            var hasher = Insecure.MD5()
            return run(&hasher)
        case "SHA1":
            var hasher = Insecure.SHA1()
            return run(&hasher)
        case "SHA256":
            var hasher = SHA256()
            return run(&hasher)
        default:
            throw RuleError("Unsupported hashAlgorithm \(algorithm); use MD5, SHA-1 or SHA-256")
        }
    }

    func fileFreshness(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        guard case let .date(condition)? = rule.condition else { throw RuleError("FileFreshness needs a date condition") }
        let files = try files(rule)
        let check = try checker(rule)
        var operands: [Double?] = []
        for operand in condition.operands { operands.append(try check.microseconds(operand).map(Double.init)) }
        let compliant = files.filter { ConditionCheck.holds(Double($0.modifiedMicroseconds), condition.op, operands) }.count
        return try complianceRule(rule, compliant: compliant, total: files.count,
                                  metricKey: "Dataset.*.FileFreshness.Compliance", rows: nil)
    }

    func fileSize(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        guard case let .size(condition)? = rule.condition else { throw RuleError("FileSize needs a size condition") }
        let files = try files(rule)
        let limits: [Double?] = condition.operands.map(\.bytes)
        let compliant = files.filter { ConditionCheck.holds(Double($0.size), condition.op, limits) }.count
        return try complianceRule(rule, compliant: compliant, total: files.count,
                                  metricKey: "Dataset.*.FileSize.Compliance", rows: nil)
    }

    func fileUniqueness(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let files = try files(rule)
        var counts: [String: Int] = [:]
        var hashes: [String] = []
        for file in files {
            let hash = try Self.digest(file.path, algorithm: "SHA-256")
            hashes.append(hash)
            counts[hash, default: 0] += 1
        }
        let unique = hashes.filter { counts[$0] == 1 }.count
        let ratio = Double(unique) / Double(files.count)
        return try numberRule(rule, value: ratio, metrics: ["Dataset.*.FileUniqueness": ratio])
    }

    func fileMatch(_ rule: DQDLRule) throws(RuleError) -> RuleEvaluation {
        let algorithm = rule.tag("hashAlgorithm") ?? "MD5"
        if rule.parameters.count == 2 {
            let left = try files(rule, parameterIndex: 0), right = try files(rule, parameterIndex: 1)
            var rightHashes: Set<String> = []
            for file in right { rightHashes.insert(try Self.digest(file.path, algorithm: algorithm)) }
            var unmatched: [String] = []
            for file in left where !rightHashes.contains(try Self.digest(file.path, algorithm: algorithm)) {
                unmatched.append(file.path)
            }
            let ratio = Double(left.count - unmatched.count) / Double(left.count)
            return booleanRule(unmatched.isEmpty, value: nil, metrics: ["Dataset.*.FileMatch": ratio],
                               reason: "Files without a match: \(unmatched.joined(separator: ", "))")
        }
        guard case let .string(condition)? = rule.condition else { throw RuleError("FileMatch needs a checksum condition") }
        let matcher = try StringMatcher(op: condition.op, operands: try stringOperands(condition))
        let files = try files(rule)
        var compliant = 0
        for file in files where matcher.matches(Array(try Self.digest(file.path, algorithm: algorithm).utf8)) {
            compliant += 1
        }
        return try complianceRule(rule, compliant: compliant, total: files.count,
                                  metricKey: "Dataset.*.FileMatch", rows: nil)
    }
}
