using Microsoft.Extensions.Logging;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// Retries uploads that failed after their file was closed, so that changes S3 did not confirm are never dropped.
/// One background loop, started on demand, backing off from 1 s to 1 min between rounds, stopped on dispose.
/// Unmount (FlushAll) retries as well and reports what still failed.
/// </summary>
internal sealed partial class PendingUploadRetrier : IAsyncDisposable
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    private readonly Func<CancellationToken, ValueTask<int>> _retryRound;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private Task? _loop;

    /// <param name="retryRound">Tries every pending upload once; returns how many are still pending.</param>
    /// <param name="time">Clock for the backoff delays.</param>
    /// <param name="logger">Where progress is reported.</param>
    public PendingUploadRetrier(Func<CancellationToken, ValueTask<int>> retryRound, TimeProvider time, ILogger logger)
    {
        _retryRound = retryRound;
        _time = time;
        _logger = logger;
    }

    /// <summary>There is (again) something to retry.</summary>
    public void Signal()
    {
        lock (_lock)
        {
            if (_loop is null || _loop.IsCompleted)
            {
                _loop = RunAsync(_stop.Token);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? loop;
        lock (_lock)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            int left;
            try
            {
                left = await _retryRound(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRoundFailed(_logger, e.Message);
                left = 1;
            }

            if (left == 0)
            {
                return;
            }

            LogStillPending(_logger, left, delay.TotalSeconds);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "{Count} closed file(s) still wait for S3 to accept their upload; retrying (last delay {Seconds} s)")]
    private static partial void LogStillPending(ILogger logger, int count, double seconds);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Retrying pending uploads failed: {Error}")]
    private static partial void LogRoundFailed(ILogger logger, string error);
}
