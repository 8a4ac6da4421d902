namespace S3Fs.Core.Storage;

/// <summary>
/// Settings of a <see cref="RetryPolicy"/>. The defaults follow the AWS SDKs' "standard" retry mode, whose numbers
/// were tuned against S3's throttling: enough attempts to ride out a short 503 burst, not so many that a dead
/// endpoint keeps a caller waiting for minutes.
/// </summary>
public sealed record RetryOptions
{
    /// <summary>Total attempts including the first (3 in the SDKs' standard mode; 5 here because a filesystem
    /// operation that fails is more disruptive than one SDK call: the extra two attempts cost at most ~3 s more).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The ceiling of the first backoff (100 ms: S3's SlowDown guidance starts at about this scale).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>No single backoff exceeds this (20 s, as in the SDKs' standard mode).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts counts the first try, so it must be at least 1 (1 disables retries).");
        }

        if (BaseDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(BaseDelay), "Retry delays must not be negative.");
        }

        if (MaxDelay < BaseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, $"MaxDelay must be at least BaseDelay ({BaseDelay}).");
        }
    }
}

/// <summary>
/// Retries an operation with exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff
/// and Jitter"): after the n-th failure it waits a uniformly random time in [0, min(MaxDelay, BaseDelay·2^(n-1))].
/// Full jitter spreads the retries of many clients that failed together, which is what a throttled S3 prefix
/// needs. The policy is pure apart from its injected clock and random source, so tests drive it with a fake
/// <see cref="TimeProvider"/>. A cancelled operation is never retried.
/// </summary>
public sealed class RetryPolicy
{
    private readonly RetryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _random;

    /// <param name="options">Attempts and delays.</param>
    /// <param name="timeProvider">Clock used for the backoff sleeps (a fake one in tests).</param>
    /// <param name="random">Uniform source in [0, 1); <see cref="Random.Shared"/> when null. Jitter needs no
    /// cryptographic randomness.</param>
    public RetryPolicy(RetryOptions options, TimeProvider? timeProvider = null, Func<double>? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
#pragma warning disable CA5394 // Jitter only spreads retries in time; it protects nothing.
        _random = random ?? Random.Shared.NextDouble;
#pragma warning restore CA5394
    }

    public RetryOptions Options => _options;

    /// <summary>The backoff after <paramref name="failedAttempts"/> failures (1 = after the first failure).</summary>
    public TimeSpan ComputeDelay(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);

        // Cap the exponent before shifting: 2^30 × any sane base already exceeds every MaxDelay.
        var exponent = Math.Min(failedAttempts - 1, 30);
        var ceilingTicks = Math.Min((double)_options.MaxDelay.Ticks, _options.BaseDelay.Ticks * Math.Pow(2, exponent));
        var r = Math.Clamp(_random(), 0.0, 1.0);
        return TimeSpan.FromTicks((long)(ceilingTicks * r));
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (given the 1-based attempt number) until it succeeds, fails with an
    /// exception <paramref name="isRetryable"/> rejects, or <see cref="RetryOptions.MaxAttempts"/> is reached; the
    /// last exception is then rethrown unchanged. <paramref name="onRetry"/> sees each exception that will be
    /// retried, with the delay about to be taken.
    /// </summary>
    public async ValueTask<T> ExecuteAsync<T>(
        Func<int, CancellationToken, ValueTask<T>> operation,
        Func<Exception, bool> isRetryable,
        Action<Exception, int, TimeSpan>? onRetry,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(isRetryable);
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await operation(attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < _options.MaxAttempts
                                       && !cancellationToken.IsCancellationRequested
                                       && ex is not OperationCanceledException
                                       && isRetryable(ex))
            {
                var delay = ComputeDelay(attempt);
                onRetry?.Invoke(ex, attempt, delay);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
