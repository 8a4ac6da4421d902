using System.Threading.Channels;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// Runs one <see cref="IMaintenanceTask"/> over every object of a <see cref="MaintenanceScope"/>: lists with
/// ListObjectsV2 (no delimiter, so one walk covers every folder) while workers handle the objects listed so far,
/// reports each outcome and a periodic progress snapshot to an <see cref="IMaintenanceObserver"/>, and ends with a
/// <see cref="MaintenanceSummary"/>.
///
/// Interruption: when the caller's token is cancelled, no further object is started and the ones in flight are
/// cancelled (a task aborts what it started; S3 replaces an object atomically, so each object is either done or
/// untouched). The run then returns a summary marked interrupted instead of throwing. Because tasks skip objects
/// already in the wanted state, running the same command again resumes where the interrupted run stopped.
/// </summary>
public sealed class MaintenanceRunner
{
    private readonly IObjectStore _store;
    private readonly MaintenanceRunOptions _options;
    private readonly TimeProvider _time;

    public MaintenanceRunner(IObjectStore store, MaintenanceRunOptions? options = null, TimeProvider? time = null)
    {
        _store = store;
        _options = options ?? new MaintenanceRunOptions();
        _time = time ?? TimeProvider.System;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ListBuffer, 1);
    }

    public async Task<MaintenanceSummary> RunAsync(MaintenanceScope scope, IMaintenanceTask task, IMaintenanceObserver observer, CancellationToken cancellationToken)
    {
        var meter = new MaintenanceMeter(_time);
        var report = new SerializedObserver(observer);
        var channel = Channel.CreateBounded<ListEntry>(new BoundedChannelOptions(_options.ListBuffer) { SingleWriter = true });

        // A worker that fails unexpectedly (a bug, not a store error) stops the others through this source.
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = _time.CreateTimer(_ => report.Progress(meter.Snapshot()), null, _options.ProgressInterval, _options.ProgressInterval);
        var listing = ListAsync(scope, channel.Writer, meter, abort.Token);
        var workers = Enumerable.Range(0, _options.Concurrency)
            .Select(_ => WorkAsync(scope, task, channel.Reader, meter, report, abort))
            .ToList();
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        finally
        {
            // Unblocks the listing if the workers stopped early (cancelled or failed) while it waits on a full channel.
            await abort.CancelAsync().ConfigureAwait(false);
            report.Close();
        }

        var listingFailure = await listing.ConfigureAwait(false);
        var progress = meter.Snapshot();
        var interrupted = cancellationToken.IsCancellationRequested && !(progress.ListingComplete && progress.Done == progress.Listed);
        return new MaintenanceSummary(progress, interrupted, meter.Skipped, listingFailure);
    }

    /// <summary>Feeds the channel page by page; returns the listing's failure, if any, instead of throwing it.</summary>
    private async Task<Exception?> ListAsync(MaintenanceScope scope, ChannelWriter<ListEntry> writer, MaintenanceMeter meter, CancellationToken cancellationToken)
    {
        try
        {
            string? token = null;
            do
            {
                var page = await _store.ListAsync(new ListRequest(scope.ListPrefix) { Delimiter = null, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
                foreach (var entry in page.Objects)
                {
                    switch (scope.Classify(entry.Key, entry.Size))
                    {
                        case KeyClass.Include:
                            meter.Listed();
                            await writer.WriteAsync(entry, cancellationToken).ConfigureAwait(false);
                            break;
                        case KeyClass.Skip:
                            meter.Skip();
                            break;
                    }
                }

                token = page.NextContinuationToken;
            }
            while (token is not null);

            meter.ListingComplete();
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (ObjectStoreException e)
        {
            return e;
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private static async Task WorkAsync(MaintenanceScope scope, IMaintenanceTask task, ChannelReader<ListEntry> reader, MaintenanceMeter meter, SerializedObserver report, CancellationTokenSource abort)
    {
        var cancellationToken = abort.Token;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (!cancellationToken.IsCancellationRequested && reader.TryRead(out var entry))
                {
                    var outcome = await ProcessOneAsync(scope, task, entry, meter, cancellationToken).ConfigureAwait(false);
                    if (outcome is null)
                    {
                        return;
                    }

                    meter.Count(outcome.Kind);
                    report.Outcome(outcome);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch
        {
            await abort.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One object; null when the run was cancelled before it got an outcome.</summary>
    private static async Task<ObjectOutcome?> ProcessOneAsync(MaintenanceScope scope, IMaintenanceTask task, ListEntry entry, MaintenanceMeter meter, CancellationToken cancellationToken)
    {
        var path = scope.PathOf(entry.Key);
        try
        {
            return await task.ProcessAsync(entry, path, meter, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotFound && e.Key == entry.Key)
        {
            return new ObjectOutcome(entry.Key, path, OutcomeKind.Warning, "vanished: deleted since it was listed; nothing to do");
        }
        catch (ObjectStoreException e)
        {
            return new ObjectOutcome(entry.Key, path, OutcomeKind.Error, $"{e.Message}; left as it was");
        }
    }

    /// <summary>Calls the observer from one caller at a time, and never after the run has ended.</summary>
    private sealed class SerializedObserver(IMaintenanceObserver inner)
    {
        private readonly Lock _lock = new();
        private bool _closed;

        public void Outcome(ObjectOutcome outcome)
        {
            lock (_lock)
            {
                if (!_closed)
                {
                    inner.OnOutcome(outcome);
                }
            }
        }

        public void Progress(MaintenanceProgress progress)
        {
            lock (_lock)
            {
                if (!_closed)
                {
                    inner.OnProgress(progress);
                }
            }
        }

        public void Close()
        {
            lock (_lock)
            {
                _closed = true;
            }
        }
    }
}
