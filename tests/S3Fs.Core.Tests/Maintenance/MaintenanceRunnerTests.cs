using Microsoft.Extensions.Time.Testing;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Maintenance;

public sealed class MaintenanceRunnerTests
{
    private readonly InMemoryObjectStore _store = new("runner");

    private async Task PutAsync(params string[] keys)
    {
        foreach (var key in keys)
        {
            await _store.PutAsync(new PutRequest(key, new byte[] { 1, 2, 3 }), CancellationToken.None);
        }
    }

    [Fact]
    public async Task RunAsync_SubPath_TakesThePathAndItsFolderButNotASiblingWithTheSamePrefix()
    {
        await PutAsync("vol/a", "vol/a/x", "vol/a/y/z", "vol/ab", "vol/b", "other/a");
        var observer = new RecordingObserver();

        var summary = await new MaintenanceRunner(_store).RunAsync(new MaintenanceScope("vol/", "a"), new StubTask(), observer, CancellationToken.None);

        Assert.Equal(["a", "a/x", "a/y/z"], observer.Outcomes.Select(o => o.Path).Order(StringComparer.Ordinal));
        Assert.Equal(3, summary.Progress.Listed);
        Assert.True(summary.Progress.ListingComplete);
        Assert.False(summary.Interrupted);
    }

    [Fact]
    public async Task RunAsync_ManyPagesManyWorkers_EveryObjectOnceAndTheObserverNeverCalledConcurrently()
    {
        var keys = Enumerable.Range(0, 1100).Select(i => $"k/{i:D5}").ToArray();
        await PutAsync(keys);
        var observer = new RecordingObserver();
        var task = new StubTask();

        var summary = await new MaintenanceRunner(_store, new MaintenanceRunOptions { Concurrency = 8, ListBuffer = 50 })
            .RunAsync(new MaintenanceScope(string.Empty), task, observer, CancellationToken.None);

        Assert.Equal(keys, observer.Outcomes.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.Equal(1100, summary.Progress.Unchanged);
        Assert.Equal(3 * 1100, summary.Progress.Bytes);
        Assert.False(observer.Overlapped);
        Assert.True(task.MaxConcurrent > 1, "the workers never overlapped");
    }

    [Fact]
    public async Task RunAsync_EveryInterval_ReportsProgressWithCountsAndRates()
    {
        await PutAsync("p/0", "p/1", "p/2", "p/3", "p/4");
        var time = new FakeTimeProvider();
        var task = new StubTask { BlockOn = "p/2" };
        var observer = new RecordingObserver();
        var run = new MaintenanceRunner(_store, new MaintenanceRunOptions { Concurrency = 1, ProgressInterval = TimeSpan.FromSeconds(5) }, time)
            .RunAsync(new MaintenanceScope(string.Empty), task, observer, CancellationToken.None);
        await task.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(5));

        var progress = Assert.Single(observer.Progress);
        Assert.Equal(2, progress.Done);
        Assert.Equal(5, progress.Listed);
        Assert.True(progress.ListingComplete);
        Assert.Equal(0.4, progress.ObjectsPerSecond, 3);
        Assert.Equal(6 / 5.0, progress.BytesPerSecond, 3);
        task.Release.SetResult();
        var summary = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, summary.Progress.Done);
    }

    [Fact]
    public async Task RunAsync_Cancelled_ReturnsAnInterruptedSummaryInsteadOfThrowing()
    {
        await PutAsync("c/0", "c/1", "c/2", "c/3", "c/4");
        using var cts = new CancellationTokenSource();
        var task = new StubTask { BlockOn = "c/2" };
        var run = new MaintenanceRunner(_store, new MaintenanceRunOptions { Concurrency = 1 })
            .RunAsync(new MaintenanceScope(string.Empty), task, new RecordingObserver(), cts.Token);
        await task.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();
        var summary = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(summary.Interrupted);
        Assert.Equal(2, summary.Progress.Done);
        Assert.Equal(3, summary.NotDone);
    }

    [Fact]
    public async Task RunAsync_ListingFails_SaysSoInTheSummary()
    {
        await PutAsync("l/0");
        var faulty = new FaultInjectingObjectStore(_store).FailNext(ObjectStoreOperation.List, 1, ObjectStoreErrorKind.AccessDenied);

        var summary = await new MaintenanceRunner(faulty).RunAsync(new MaintenanceScope(string.Empty), new StubTask(), new RecordingObserver(), CancellationToken.None);

        var failure = Assert.IsType<ObjectStoreException>(summary.ListingFailure);
        Assert.Equal(ObjectStoreErrorKind.AccessDenied, failure.Kind);
        Assert.False(summary.Progress.ListingComplete);
        Assert.Equal(0, summary.Progress.Done);
    }

    [Fact]
    public async Task RunAsync_StoreErrorsOfATask_BecomeOutcomesAndTheRunGoesOn()
    {
        await PutAsync("e/fails", "e/gone", "e/ok");
        var task = new StubTask
        {
            Throw = key => key switch
            {
                "e/fails" => new ObjectStoreException(ObjectStoreErrorKind.Other, "CopyObject", "runner", key, "HTTP 400 InvalidRequest"),
                "e/gone" => new ObjectStoreException(ObjectStoreErrorKind.NotFound, "HeadObject", "runner", key, "NoSuchKey"),
                _ => null,
            },
        };
        var observer = new RecordingObserver();

        var summary = await new MaintenanceRunner(_store).RunAsync(new MaintenanceScope("e/"), task, observer, CancellationToken.None);

        Assert.Equal(OutcomeKind.Error, observer.For("fails").Kind);
        Assert.Contains("HTTP 400 InvalidRequest", observer.For("fails").Detail, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Warning, observer.For("gone").Kind);
        Assert.Contains("vanished", observer.For("gone").Detail, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Unchanged, observer.For("ok").Kind);
        Assert.True(summary.HasErrors);
    }

    [Fact]
    public async Task RunAsync_TaskBug_Propagates()
    {
        await PutAsync("b/0", "b/1");
        var task = new StubTask { Throw = _ => new InvalidOperationException("bug") };

        await Assert.ThrowsAsync<InvalidOperationException>(() => new MaintenanceRunner(_store).RunAsync(new MaintenanceScope("b/"), task, new RecordingObserver(), CancellationToken.None));
    }

    /// <summary>Reports each object unchanged (3 bytes); can block on one key, or throw per key.</summary>
    private sealed class StubTask : IMaintenanceTask
    {
        private int _running;
        private int _maxConcurrent;

        public string? BlockOn { get; init; }

        public Func<string, Exception?>? Throw { get; init; }

        public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

        public async ValueTask<ObjectOutcome> ProcessAsync(ListEntry entry, string path, IByteCounter bytes, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref _maxConcurrent, now);
            try
            {
                if (Throw?.Invoke(entry.Key) is { } e)
                {
                    throw e;
                }

                if (entry.Key == BlockOn)
                {
                    Blocked.SetResult();
                    await Release.Task.WaitAsync(cancellationToken);
                }

                await Task.Yield();
                bytes.Add(entry.Size);
                return new ObjectOutcome(entry.Key, path, OutcomeKind.Unchanged, "fine");
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
