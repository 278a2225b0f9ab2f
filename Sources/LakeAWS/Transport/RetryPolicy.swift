import Foundation

/// The SDKs' *standard* retry mode: bounded attempts, jittered exponential backoff, a shared
/// retry quota, throttling and transient errors retried, everything else not.
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first included (`AWS_MAX_ATTEMPTS`, default 3).
    public var maxAttempts: Int
    /// Backoff base for transient errors (50 ms) and throttling (1 s).
    public var baseDelay: Double
    public var throttlingBaseDelay: Double
    public var maxBackoff: Double

    public init(maxAttempts: Int = 3, baseDelay: Double = 0.05, throttlingBaseDelay: Double = 1, maxBackoff: Double = 20) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.throttlingBaseDelay = throttlingBaseDelay
        self.maxBackoff = maxBackoff
    }

    /// The policy from `AWS_MAX_ATTEMPTS`.
    public static func fromEnvironment(_ environment: [String: String]) -> RetryPolicy {
        RetryPolicy(maxAttempts: environment["AWS_MAX_ATTEMPTS"].flatMap(Int.init) ?? 3)
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException",
    ]
    static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError"]

    enum Decision: Equatable {
        case fail
        case retryTransient
        case retryThrottling
    }

    /// Whether an error may be retried, and as what.
    static func classify(_ error: AWSError) -> Decision {
        if error.kind == .transport { return .retryTransient }
        if error.status == 429 || error.code.map(throttlingCodes.contains) == true { return .retryThrottling }
        if let status = error.status, [500, 502, 503, 504].contains(status) { return .retryTransient }
        if let code = error.code, transientCodes.contains(code) { return .retryTransient }
        return .fail
    }

    /// The delay before retry `retry` (0 for the first retry): `rand(0,1) · min(base · 2^retry, max)`,
    /// stretched toward `x-amz-retry-after` (milliseconds) by at most 5 s.
    func delay(retry: Int, throttling: Bool, retryAfterMilliseconds: Double?, random: Double) -> Double {
        let base = throttling ? throttlingBaseDelay : baseDelay
        let computed = random * min(base * pow(2, Double(retry)), maxBackoff)
        guard let retryAfter = retryAfterMilliseconds.map({ $0 / 1000 }) else { return computed }
        return max(computed, min(retryAfter, computed + 5))
    }
}

/// The retry token bucket shared by a client's calls: 500 tokens; a retry costs 14 (5 when
/// throttled); success without retries refunds 1, success after retries refunds the last cost.
public actor RetryQuota {
    public private(set) var tokens: Int

    public init(capacity: Int = 500) {
        self.tokens = capacity
    }

    private let capacity = 500

    /// Takes the cost of one retry; `nil` when the bucket cannot cover it (do not retry).
    func acquire(throttling: Bool) -> Int? {
        let cost = throttling ? 5 : 14
        guard tokens >= cost else { return nil }
        tokens -= cost
        return cost
    }

    func refund(_ amount: Int) {
        tokens = min(capacity, tokens + amount)
    }
}

/// Test and tooling access to the retry arithmetic (the client uses it internally).
public enum RetryPolicySupport {
    public static func delay(_ policy: RetryPolicy, retry: Int, throttling: Bool, retryAfter: Double?, random: Double) -> Double {
        policy.delay(retry: retry, throttling: throttling, retryAfterMilliseconds: retryAfter, random: random)
    }

    /// Takes one retry's cost from `quota`; `false` when it cannot cover it.
    public static func acquire(_ quota: RetryQuota, throttling: Bool) async -> Bool {
        await quota.acquire(throttling: throttling) != nil
    }
}
