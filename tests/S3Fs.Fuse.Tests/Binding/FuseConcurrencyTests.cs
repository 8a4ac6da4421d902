using System.Diagnostics;
using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse.Tests.Binding;

[Trait("Category", "Fuse")]
public sealed class FuseConcurrencyTests
{
    [Fact]
    public async Task Read_OneRequestHeldInCore_OtherRequestsCompleteMeanwhile()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fs = new MemoryFileSystem
        {
            Hook = async (op, _, name, ct) =>
            {
                if (op == "read" && name == "direct-slow.bin")
                {
                    slowArrived.TrySetResult();
                    await gate.Task.WaitAsync(ct);
                }
            },
        };
        byte[] slowContent = FuseFileIoTests.RandomBytes(8192, seed: 6);
        fs.AddFile("direct-slow.bin", slowContent);
        for (int i = 0; i < 10; i++)
        {
            fs.AddFile($"fast{i}.txt", [(byte)i]);
        }

        await using var mount = await TestMount.StartAsync(fs);
        var slowRead = Task.Run(() => File.ReadAllBytes(mount.PathOf("direct-slow.bin")));
        await slowArrived.Task.WaitAsync(TestMount.HangTimeout);

        for (int round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Shell.IoAsync(() =>
            {
                Assert.Equal([(byte)i], File.ReadAllBytes(mount.PathOf($"fast{i}.txt")));
                return new FileInfo(mount.PathOf($"fast{i}.txt")).Length;
            })));
        }

        await Shell.CheckAsync("ls", "-l", mount.Root);
        Assert.False(slowRead.IsCompleted, "the held read must still be waiting in the core");

        gate.SetResult();
        Assert.Equal(slowContent, await slowRead.WaitAsync(TestMount.HangTimeout));
    }

    [Fact]
    public async Task Lookup_MoreConcurrentSlowRequestsThanLibFuseThreads_AllAreInCoreAtOnce()
    {
        // libfuse runs at most 10 worker threads. Forty lookups can only be inside the core together if every
        // callback returned before its answer existed, i.e. the replies really are asynchronous. The core only
        // answers once all forty have arrived, so a blocking adapter would hang here instead. All forty names are
        // in one directory, so this also needs FUSE_PARALLEL_DIROPS, which the shim forces on libfuse < 3.16.2.
        const int Count = 40;
        int arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fs = new MemoryFileSystem
        {
            Hook = async (op, _, name, ct) =>
            {
                if (op == "lookup" && name!.StartsWith("slow-", StringComparison.Ordinal))
                {
                    if (Interlocked.Increment(ref arrived) == Count)
                    {
                        allArrived.SetResult();
                    }

                    await allArrived.Task.WaitAsync(ct);
                }
            },
        };
        await using var mount = await TestMount.StartAsync(fs, o => o with { MaxThreads = 10 });

        var results = await RunOnDedicatedThreadsAsync(Count, i => File.Exists(mount.PathOf($"slow-{i}")));

        Assert.All(results, Assert.False);
        Assert.True(fs.PeakPending >= Count, $"peak {fs.PeakPending}");
    }

    [Fact]
    public async Task Lookup_InFlightLimit_BoundsConcurrentCoreCalls()
    {
        // The first lookups are held until as many as the limit allows are inside the core at once (so the peak is
        // reached however the threads are scheduled); after that each one still lingers a little, giving a binding
        // that ignored the limit every chance to let a fifth one in while 24 callers wait.
        const int Limit = 4;
        int arrived = 0;
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fs = new MemoryFileSystem
        {
            Hook = async (op, _, name, ct) =>
            {
                if (op == "lookup" && name!.StartsWith("slow-", StringComparison.Ordinal))
                {
                    if (Interlocked.Increment(ref arrived) == Limit)
                    {
                        full.SetResult();
                    }

                    await full.Task.WaitAsync(ct);
                    await Task.Delay(30, ct);
                }
            },
        };
        await using var mount = await TestMount.StartAsync(fs, o => o with { MaxInFlightRequests = Limit });

        var results = await RunOnDedicatedThreadsAsync(24, i => File.Exists(mount.PathOf($"slow-{i}")));

        Assert.All(results, Assert.False);
        Assert.Equal(Limit, fs.PeakPending);
    }

    [Fact]
    public async Task Lookup_CallerKilled_KernelInterruptCancelsTheCoreToken()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fs = new MemoryFileSystem
        {
            Hook = async (op, _, name, ct) =>
            {
                if (op == "lookup" && name == "hang")
                {
                    entered.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        cancelled.TrySetResult();
                        throw;
                    }
                }
            },
        };
        await using var mount = await TestMount.StartAsync(fs);
        using var stat = Process.Start(new ProcessStartInfo("stat", [mount.PathOf("hang")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        await entered.Task.WaitAsync(TestMount.HangTimeout);

        // A killed process waits for the answer of a request already sent to the daemon; only the INTERRUPT lets it go.
        stat.Kill();

        await cancelled.Task.WaitAsync(TestMount.HangTimeout);
        await stat.WaitForExitAsync().WaitAsync(TestMount.HangTimeout);
        await FuseFileIoTests.WaitForAsync(() => mount.Logger.Entries.Any(e => e.Id.Id == 3015));
    }

    [Fact]
    public async Task GetAttr_CoreThrowsUnexpectedException_AnswersEioAndKeepsServing()
    {
        var bug = new InvalidOperationException("core bug");
        var fs = new MemoryFileSystem
        {
            Hook = (op, _, name, _) => op is "lookup" && name == "boom" ? throw bug : ValueTask.CompletedTask,
        };
        await using var mount = await TestMount.StartAsync(fs);

        var stat = await Shell.RunAsync("stat", mount.PathOf("boom"));

        Assert.NotEqual(0, stat.ExitCode);
        Assert.Contains("Input/output error", stat.StdErr, StringComparison.Ordinal);
        await FuseFileIoTests.WaitForAsync(() => mount.Logger.Entries.Any(e => e.Id.Id == 3011 && e.Exception == bug)); // logged after the reply
        await Shell.IoAsync(() => File.WriteAllText(mount.PathOf("after.txt"), "still serving"));
        Assert.Equal("still serving", await Shell.CheckAsync("cat", mount.PathOf("after.txt")));
    }

    [Theory]
    [InlineData(FsErrorCode.AccessDenied, "Permission denied")]
    [InlineData(FsErrorCode.KeyUnavailable, "Required key not available")]
    [InlineData(FsErrorCode.IntegrityError, "Input/output error")]
    [InlineData(FsErrorCode.Busy, "Device or resource busy")]
    public async Task Lookup_CoreFsException_MapsToErrno(FsErrorCode code, string message)
    {
        var fs = new MemoryFileSystem
        {
            Hook = (op, _, name, _) => op is "lookup" && name == "bad" ? throw new FsException(code, "injected") : ValueTask.CompletedTask,
        };
        await using var mount = await TestMount.StartAsync(fs);

        var stat = await Shell.RunAsync("stat", mount.PathOf("bad"));

        Assert.Contains(message, stat.StdErr, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="count"/> blocking calls each on its own OS thread (never on the thread pool).</summary>
    internal static async Task<T[]> RunOnDedicatedThreadsAsync<T>(int count, Func<int, T> body)
    {
        var results = new T[count];
        var done = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (int i = 0; i < count; i++)
        {
            int index = i;
            new Thread(() =>
            {
                try
                {
                    results[index] = body(index);
                    done[index].SetResult();
                }
                catch (Exception ex)
                {
                    done[index].SetException(ex);
                }
            })
            { IsBackground = true, Name = $"fusetest-io-{index}" }.Start();
        }

        await Task.WhenAll(done.Select(d => d.Task)).WaitAsync(TestMount.HangTimeout);
        return results;
    }
}
