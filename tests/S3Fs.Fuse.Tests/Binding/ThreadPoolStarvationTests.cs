namespace S3Fs.Fuse.Tests.Binding;

/// <summary>Tests that change process-wide state (the thread pool, libfuse's global log hook) run alone, after the rest.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideStateCollection
{
    public const string Name = "Process-wide state";
}

[Trait("Category", "Fuse")]
[Collection(ProcessWideStateCollection.Name)]
public sealed class ThreadPoolStarvationTests
{
    private const int Count = 32;

    /// <summary>
    /// Far fewer pool threads than concurrent requests. Not fewer than 4: the test host itself keeps about two pool
    /// threads blocked in its message loops, and timers and continuations need the rest.
    /// </summary>
    private const int PoolThreads = 4;

    [Fact]
    public async Task Read_PoolConstrainedAndManySlowReads_AllComplete()
    {
        var fs = Barrier("read", "direct-r");
        var contents = Enumerable.Range(0, Count).Select(i => FuseFileIoTests.RandomBytes(64 * 1024, seed: 100 + i)).ToArray();
        for (int i = 0; i < Count; i++)
        {
            fs.AddFile($"direct-r{i}", contents[i]);
        }

        await using var mount = await TestMount.StartAsync(fs);

        var read = await WithConstrainedPoolAsync(() =>
            FuseConcurrencyTests.RunOnDedicatedThreadsAsync(Count, i => File.ReadAllBytes(mount.PathOf($"direct-r{i}"))));

        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(contents[i], read[i]);
        }
    }

    [Fact]
    public async Task Write_PoolConstrainedAndManySlowWrites_AllComplete()
    {
        var fs = Barrier("write", "direct-w");
        var contents = Enumerable.Range(0, Count).Select(i => FuseFileIoTests.RandomBytes(64 * 1024, seed: 200 + i)).ToArray();
        await using var mount = await TestMount.StartAsync(fs);

        await WithConstrainedPoolAsync(() =>
            FuseConcurrencyTests.RunOnDedicatedThreadsAsync(Count, i =>
            {
                File.WriteAllBytes(mount.PathOf($"direct-w{i}"), contents[i]);
                return true;
            }));

        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(contents[i], fs.Content($"direct-w{i}"));
        }
    }

    /// <summary>
    /// The core holds every matching request until all <see cref="Count"/> are inside it at once, then answers
    /// each after a timer: the answers all run on the (constrained) pool, and a blocked pool thread would stall them.
    /// </summary>
    private static MemoryFileSystem Barrier(string operation, string prefix)
    {
        int arrived = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new MemoryFileSystem
        {
            Hook = async (op, _, name, ct) =>
            {
                if (op == operation && name!.StartsWith(prefix, StringComparison.Ordinal))
                {
                    if (Interlocked.Increment(ref arrived) == Count)
                    {
                        all.SetResult();
                    }

                    await all.Task.WaitAsync(ct);
                    await Task.Delay(20, ct);
                }
            },
        };
    }

    /// <summary>
    /// Runs <paramref name="body"/> with the pool capped at <see cref="PoolThreads"/>. A watchdog on its own OS thread
    /// (it must not need the pool it is watching) lifts the cap if the body is still running after the hang timeout,
    /// so a starved pool turns into a failed assertion instead of a hung test run.
    /// </summary>
    private static async Task<T> WithConstrainedPoolAsync<T>(Func<Task<T>> body)
    {
        ThreadPool.GetMinThreads(out int minWorkers, out int minIo);
        ThreadPool.GetMaxThreads(out int maxWorkers, out int maxIo);
        Assert.True(ThreadPool.SetMinThreads(1, minIo));
        Assert.True(ThreadPool.SetMaxThreads(PoolThreads, maxIo));
        bool starved = false;
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<T> run = body();
        new Thread(() =>
        {
            starved = !((IAsyncResult)run).AsyncWaitHandle.WaitOne(TestMount.HangTimeout);
            ThreadPool.SetMaxThreads(maxWorkers, maxIo);
            ThreadPool.SetMinThreads(minWorkers, minIo);
            restored.SetResult();
        })
        { IsBackground = true, Name = "fusetest-pool-watchdog" }.Start();

        T result = await run;
        await restored.Task;
        Assert.False(starved, $"the requests did not complete within {TestMount.HangTimeout.TotalSeconds:0} s on a pool of {PoolThreads} threads");
        return result;
    }
}
