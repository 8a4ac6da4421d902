using Microsoft.Extensions.Time.Testing;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Storage;

public sealed class RetryPolicyTests
{
    private static readonly RetryOptions Options = new() { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) };

    private static ObjectStoreException Throttled() => new(ObjectStoreErrorKind.Throttled, "PutObject", "b", "k", "SlowDown");

    private static bool Retryable(Exception ex) => ex is ObjectStoreException { IsRetryable: true };

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(4, 800)]
    [InlineData(5, 1000)] // capped by MaxDelay
    [InlineData(60, 1000)] // no overflow for huge attempt counts
    public void ComputeDelay_WithMaximalRandom_GrowsExponentiallyUpToMaxDelay(int failures, int expectedMs)
    {
        var policy = new RetryPolicy(Options, random: () => 1.0);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), policy.ComputeDelay(failures));
    }

    [Fact]
    public void ComputeDelay_FullJitter_ScalesCeilingByRandom()
    {
        var policy = new RetryPolicy(Options, random: () => 0.25);

        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.ComputeDelay(3)); // 0.25 × 400 ms
        Assert.Equal(TimeSpan.Zero, new RetryPolicy(Options, random: () => 0.0).ComputeDelay(3));
    }

    [Fact]
    public async Task ExecuteAsync_RetryableFailuresThenSuccess_WaitsTheBackoffOnTheClockAndSucceeds()
    {
        var time = new FakeTimeProvider();
        var policy = new RetryPolicy(Options, time, () => 1.0);
        var starts = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>();

        var task = policy.ExecuteAsync(
            (attempt, _) =>
            {
                starts.Enqueue(time.GetUtcNow());
                return attempt < 3 ? throw Throttled() : ValueTask.FromResult("done");
            },
            Retryable,
            null,
            CancellationToken.None).AsTask();

        // Move the fake clock in small steps until the policy is done; each step lets the timers' continuations run.
        // The bound is real time, not a number of steps: on a loaded machine a continuation may wait for a thread
        // for a while, and the fake clock running further ahead meanwhile only lengthens the measured gaps.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(1);
        }

        Assert.Equal("done", await task);
        var t = starts.ToArray();
        Assert.Equal(3, t.Length);
        Assert.True(t[1] - t[0] >= TimeSpan.FromMilliseconds(100), $"second attempt after {(t[1] - t[0]).TotalMilliseconds} ms");
        Assert.True(t[2] - t[1] >= TimeSpan.FromMilliseconds(200), $"third attempt after {(t[2] - t[1]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task ExecuteAsync_AlwaysFailing_RethrowsLastErrorAfterMaxAttempts()
    {
        var policy = new RetryPolicy(Options, random: () => 0.0);
        var calls = 0;
        var retries = new List<int>();

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => policy.ExecuteAsync<int>(
            (attempt, _) => throw new ObjectStoreException(ObjectStoreErrorKind.Transient, "GetObject", "b", "k", $"attempt {++calls}"),
            Retryable,
            (_, attempt, _) => retries.Add(attempt),
            CancellationToken.None).AsTask());

        Assert.Equal(4, calls);
        Assert.Equal([1, 2, 3], retries);
        Assert.Equal("attempt 4", ex.Detail);
    }

    [Fact]
    public async Task ExecuteAsync_NonRetryableFailure_ThrowsAtOnce()
    {
        var policy = new RetryPolicy(Options, random: () => 0.0);
        var calls = 0;

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => policy.ExecuteAsync<int>(
            (_, _) =>
            {
                calls++;
                throw new ObjectStoreException(ObjectStoreErrorKind.PreconditionFailed, "PutObject", "b", "k", "412");
            },
            Retryable,
            null,
            CancellationToken.None).AsTask());

        Assert.Equal(1, calls);
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledDuringBackoff_ThrowsOperationCanceledWithoutAnotherAttempt()
    {
        var time = new FakeTimeProvider();
        var policy = new RetryPolicy(Options, time, () => 1.0);
        using var cts = new CancellationTokenSource();
        var calls = 0;

        var task = policy.ExecuteAsync<int>((_, _) => { calls++; throw Throttled(); }, Retryable, null, cts.Token).AsTask();
        await cts.CancelAsync();
        time.Advance(TimeSpan.FromSeconds(10));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ExecuteAsync_OperationCanceledFromOperation_IsNotRetried()
    {
        var policy = new RetryPolicy(Options, random: () => 0.0);
        var calls = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => policy.ExecuteAsync<int>(
            (_, _) =>
            {
                calls++;
                throw new OperationCanceledException();
            },
            _ => true,
            null,
            CancellationToken.None).AsTask());

        Assert.Equal(1, calls);
    }

    [Theory]
    [InlineData(0, 100, 1000, "MaxAttempts")]
    [InlineData(3, -1, 1000, "BaseDelay")]
    [InlineData(3, 500, 100, "MaxDelay")]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting(int attempts, int baseMs, int maxMs, string name)
    {
        var options = new RetryOptions { MaxAttempts = attempts, BaseDelay = TimeSpan.FromMilliseconds(baseMs), MaxDelay = TimeSpan.FromMilliseconds(maxMs) };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(options));

        Assert.Equal(name, ex.ParamName);
    }
}
