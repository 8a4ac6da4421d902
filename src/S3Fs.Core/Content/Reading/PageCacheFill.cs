using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace S3Fs.Core.Content.Reading;

/// <summary>
/// Copies a clean file's stored object, block by block, into a cache outside this process (the kernel's page cache,
/// through <see cref="PageStore"/>), so that random reads of a file read over and over are served without a request
/// to this process or to S3. Two sources feed it: a background sweep that fetches the blocks not yet stored in
/// ranged GETs of up to <see cref="ContentOptions.MaxReadRequest"/>, <see cref="ContentOptions.ReadAheadParallelism"/>
/// at a time, in order, holding what it fetched and has not stored yet within the mount's read-ahead budget (so
/// its blocks are not evicted from the memory cache before they are stored); and the reads served meanwhile: each
/// fetches the 1 MiB chunk around it (<see cref="BeforeRead"/>, which the read then waits for) and its blocks are
/// stored (<see cref="OnRead"/>). Each block is fetched about once: the sweep skips blocks stored or in flight.
/// <para>
/// Coherency: the owner stops the fill (<see cref="StopAsync"/>) before anything can change the file (an open for
/// writing, a truncation) and before the content goes away. Every store runs under <see cref="_gate"/> and checks
/// <see cref="_stopped"/>, so once <see cref="StopAsync"/> returns nothing is stored again. A store may block
/// while the kernel holds a page locked for a read in flight, until that read is answered; stores therefore run on the
/// fill's own thread (<see cref="RunStores"/>), never inline in a read, in a fetch a read waits for, or on the pool.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Reliability",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The SemaphoreSlim (no wait handle is ever taken), the CancellationTokenSource (no timer) and the BlockingCollection (completed at stop, its thread gone) hold nothing to release; the fill's tasks may still check them after StopAsync returns, which a Dispose would turn into ObjectDisposedException.")]
internal sealed partial class PageCacheFill : IPageCacheFill
{
    private readonly BlockSource _source;
    private readonly ContentOptions _options;
    private readonly ReadAheadBudget _budget;
    private readonly PageStore _store;
    private readonly ILogger _logger;
    /// <summary>What a read of a block not stored yet fetches while a fill runs (see <see cref="BeforeRead"/>).</summary>
    internal const int ChunkSize = 1 << 20;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool[] _stored;
    private readonly BlockingCollection<StoreJob> _jobs = new(boundedCapacity: 1);
    private Task _completion = Task.CompletedTask;
    private volatile bool _stopped;

    public PageCacheFill(BlockSource source, ContentOptions options, ReadAheadBudget budget, PageStore store, ILogger logger)
    {
        _source = source;
        _options = options;
        _budget = budget;
        _store = store;
        _logger = logger;
        _stored = new bool[source.BlockCount];
    }

    public Task Completion => _completion;

    /// <summary>Blocks stored so far (tests).</summary>
    internal int StoredBlocks => _stored.Count(x => x);

    public void Start()
    {
        // Stores block while the kernel holds a page locked for a read in flight, whose answer may need a thread-pool
        // thread: they run on a thread of their own, never on the pool.
        new Thread(RunStores) { IsBackground = true, Name = "s3cfs-page-fill" }.Start();
        _completion = Task.Run(SweepAsync);
    }

    public void BeforeRead(long offset, int length)
    {
        if (length <= 0 || _stopped)
        {
            return;
        }

        // The read's whole chunk, not just its block: what it fetches is stored and never fetched again, so reads made
        // while the sweep is still under way cost no extra transfer (one GET of a 64 KiB block each would).
        var chunk = Math.Max(1, ChunkSize / _source.BlockSize);
        var first = offset / _source.BlockSize / chunk * chunk;
        var end = Math.Min(_source.BlockCount, (((offset + length - 1) / _source.BlockSize / chunk) + 1) * chunk);
        for (var i = first; i < end; i++)
        {
            if (!Volatile.Read(ref _stored[i]))
            {
                _ = FetchAndStoreAsync(first, end, reserved: 0, _stop.Token); // registers its blocks in flight before it returns
                return;
            }
        }
    }

    public void OnRead(long offset, int length)
    {
        if (length <= 0 || _stopped)
        {
            return;
        }

        var first = offset / _source.BlockSize;
        var end = Math.Min(_source.BlockCount, ((offset + length - 1) / _source.BlockSize) + 1);
        for (var i = first; i < end; i++)
        {
            if (!Volatile.Read(ref _stored[i]))
            {
                _ = StoreBlocksAsync(i, end);
                return;
            }
        }
    }

    public async ValueTask StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            _stopped = true;
            _jobs.CompleteAdding(); // the store thread ends
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task SweepAsync()
    {
        var token = _stop.Token;
        var perRequest = Math.Max(1, _options.MaxReadRequest / _source.BlockSize);
        var inFlight = new List<Task>();
        try
        {
            for (long next = 0; next < _source.BlockCount && !token.IsCancellationRequested;)
            {
                while (next < _source.BlockCount && Volatile.Read(ref _stored[next]))
                {
                    next++;
                }

                if (next >= _source.BlockCount)
                {
                    break;
                }

                // Room in the read-ahead budget: a whole request, or one block when nothing of ours is in flight.
                var want = perRequest;
                while (!_budget.TryReserve(want * (long)_source.BlockSize))
                {
                    if (inFlight.Count > 0)
                    {
                        inFlight.Remove(await Task.WhenAny(inFlight).ConfigureAwait(false));
                    }
                    else if (want > 1)
                    {
                        want = 1;
                    }
                    else
                    {
                        await Task.Delay(10, token).ConfigureAwait(false); // other readers hold it all
                    }
                }

                var first = next;
                while (next < _source.BlockCount && next - first < want && !Volatile.Read(ref _stored[next]))
                {
                    next++;
                }

                _budget.Release((want - (next - first)) * (long)_source.BlockSize);
                if (next == first)
                {
                    continue; // a read stored it meanwhile
                }

                inFlight.Add(FetchAndStoreAsync(first, next, (next - first) * (long)_source.BlockSize, token));
                if (inFlight.Count >= _options.ReadAheadParallelism)
                {
                    inFlight.Remove(await Task.WhenAny(inFlight).ConfigureAwait(false));
                }
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            LogSwept(_logger, _source.Version.Key, _stored.Count(x => x), _stored.Length);
        }
        catch (Exception e)
        {
            // Only an optimisation: whatever is not stored is read through the filesystem as before.
            LogSweepFailed(_logger, _source.Version.Key, e.Message);
        }
    }

    private async Task FetchAndStoreAsync(long first, long end, long reserved, CancellationToken token)
    {
        try
        {
            await _source.PrefetchAsync(first, end, token).ConfigureAwait(false); // never faults
            await StoreBlocksAsync(first, end).ConfigureAwait(false); // never faults
        }
        finally
        {
            _budget.Release(reserved);
        }
    }

    /// <summary>
    /// Stores blocks [first, end) that are not stored yet, reading each from the caches (fetching it if it was evicted).
    /// Always continues on another thread first: its caller may be a read that has not been answered yet (OnRead), or
    /// the completion of a fetch a read is waiting for, and a store that ran inline there would wait for that read's
    /// own page, which the kernel unlocks only when the read is answered.
    /// </summary>
    private async Task StoreBlocksAsync(long first, long end)
    {
        await Task.Yield();
        var token = _stop.Token;
        var buffer = ArrayPool<byte>.Shared.Rent(_source.BlockSize);
        try
        {
            for (var i = first; i < end && !token.IsCancellationRequested; i++)
            {
                if (Volatile.Read(ref _stored[i]))
                {
                    continue;
                }

                var offset = i * _source.BlockSize;
                var length = _source.Format.PlainLengthOf(i, _source.PlainSize);
                await _source.ReadAsync(offset, buffer.AsMemory(0, length), token).ConfigureAwait(false);
                await _gate.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    if (_stopped || Volatile.Read(ref _stored[i]))
                    {
                        continue;
                    }

                    var job = new StoreJob(offset, buffer, length);
                    _jobs.Add(job, CancellationToken.None); // the thread has taken the previous job: stores are serialised by the gate
                    if (!await job.Done.Task.ConfigureAwait(false))
                    {
                        // The kernel refused (the inode is gone from its cache, or stores are not supported): stop.
                        _stopped = true;
                        _jobs.CompleteAdding();
                        await _stop.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    Volatile.Write(ref _stored[i], true);
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            LogStoreFailed(_logger, _source.Version.Key, first, end, e.Message);
        }
        finally
        {
            Array.Clear(buffer, 0, _source.BlockSize);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The store thread: one store at a time, until the fill stops.</summary>
    private void RunStores()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            bool stored;
            try
            {
                stored = _store(job.Offset, job.Buffer.AsSpan(0, job.Length));
            }
            catch (Exception e)
            {
                LogStoreFailed(_logger, _source.Version.Key, job.Offset / _source.BlockSize, (job.Offset / _source.BlockSize) + 1, e.Message);
                stored = false;
            }

            job.Done.TrySetResult(stored);
        }
    }

    /// <summary>One store handed to the store thread; <see cref="Done"/> says whether the kernel took it.</summary>
    private sealed class StoreJob(long offset, byte[] buffer, int length)
    {
        public long Offset { get; } = offset;

        public byte[] Buffer { get; } = buffer;

        public int Length { get; } = length;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 1530, Level = LogLevel.Debug, Message = "Page cache fill of {Key}: {Stored} of {Blocks} blocks stored")]
    private static partial void LogSwept(ILogger logger, string key, int stored, int blocks);

    [LoggerMessage(EventId = 1531, Level = LogLevel.Debug, Message = "Page cache fill of {Key} stopped: {Error}")]
    private static partial void LogSweepFailed(ILogger logger, string key, string error);

    [LoggerMessage(EventId = 1532, Level = LogLevel.Debug, Message = "Page cache fill of {Key} blocks {First}-{End} failed (reads of them go through the filesystem): {Error}")]
    private static partial void LogStoreFailed(ILogger logger, string key, long first, long end, string error);
}
