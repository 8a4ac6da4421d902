using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Content.Uploading;
using S3Fs.Core.Content.Writing;

namespace S3Fs.Core.Content.Reading;

/// <summary>
/// Copies a clean file's stored object, block by block, into a cache outside this process (the kernel's page cache,
/// through <see cref="PageStore"/>), so that random reads of a file read over and over are served without a request
/// to this process or to S3. Two sources feed it: a background sweep that fetches the blocks not yet stored in
/// ranged GETs of up to <see cref="ContentOptions.MaxReadRequest"/>, <see cref="ContentOptions.ReadAheadParallelism"/>
/// at a time, in order, holding what it fetched and has not stored yet within the mount's read-ahead budget (so
/// its blocks are not evicted from the memory cache before they are stored); and the reads that reach the filesystem
/// meanwhile: each fetches the 1 MiB chunk around it (<see cref="BeforeRead"/>, which the read then waits for), whose
/// blocks are then stored. Each block is fetched about once: the sweep skips blocks stored, kept or being handled.
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
    Justification = "The SemaphoreSlims (no wait handle is ever taken) and the CancellationTokenSource (no timer) hold nothing to release; the fill's tasks and its store thread may still use them after StopAsync returns, which a Dispose would turn into ObjectDisposedException.")]
internal sealed partial class PageCacheFill : IPageCacheFill
{
    /// <summary>What a read of a block not stored yet fetches while a fill runs (see <see cref="BeforeRead"/>).</summary>
    internal const int ChunkSize = 1 << 20;

    /// <summary>Blocks (plaintext buffers) that may wait for the store thread: 16 MiB at 64 KiB blocks.</summary>
    private const int QueueCapacity = 256;

    private readonly BlockSource _source;
    private readonly ContentOptions _options;
    private readonly ReadAheadBudget _budget;
    private readonly PageStore _store;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool[] _stored;
    private readonly int[] _claims;
    private readonly SpooledBlock?[] _spooled;
    private readonly StagingFile? _spool;
    private readonly SealedBlockFormat? _spoolFormat;
    private readonly ConcurrentQueue<StoreJob> _queue = new();
    private readonly SemaphoreSlim _queued = new(0);           // one per job queued, one more at stop
    private readonly SemaphoreSlim _room = new(QueueCapacity); // bounds the blocks waiting for the store thread
    private readonly Lock _queueLock = new(); // enqueues against the end of the store thread
    private volatile bool _ended;
    private Task _completion = Task.CompletedTask;
    private volatile bool _stopped;

    /// <param name="source">The clean file's stored object.</param>
    /// <param name="options">Request sizes and parallelism.</param>
    /// <param name="budget">The mount's read-ahead budget, which the sweep's fetched-but-not-stored bytes count against.</param>
    /// <param name="store">Puts a block's plaintext into the kernel's page cache.</param>
    /// <param name="spool">
    /// Where stored blocks are also kept on local disk, sealed (by the file's cipher for an encrypted object, else under
    /// the staging key), so that pages the kernel drops (memory pressure, posix_fadvise) are served and stored again
    /// from there instead of from S3; null for none. The fill owns it.
    /// </param>
    /// <param name="logger">Debug messages about the fill.</param>
    public PageCacheFill(BlockSource source, ContentOptions options, ReadAheadBudget budget, PageStore store, StagingFile? spool, ILogger logger)
    {
        _source = source;
        _options = options;
        _budget = budget;
        _store = store;
        _logger = logger;
        _stored = new bool[source.BlockCount];
        _claims = new int[source.BlockCount];
        _spooled = new SpooledBlock?[source.BlockCount];
        _spool = spool;
        _spoolFormat = source.Format as SealedBlockFormat;
    }

    public Task Completion => _completion;

    /// <summary>The local copy (tests scan its raw bytes).</summary>
    internal StagingFile? Spool => _spool;

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
        // Only the runs still needed: a block already stored has left the memory cache, and a prefetch of it would
        // fetch it again.
        for (var i = first; i < end;)
        {
            if (Have(i) || Volatile.Read(ref _claims[i]) != 0)
            {
                i++;
                continue;
            }

            var runEnd = i + 1;
            while (runEnd < end && !Have(runEnd) && Volatile.Read(ref _claims[runEnd]) == 0)
            {
                runEnd++;
            }

            _ = FetchAndStoreAsync(i, runEnd, reserved: 0, _stop.Token); // registers its blocks in flight before it returns
            i = runEnd;
        }
    }

    public async ValueTask StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            _stopped = true;
            _spool?.Dispose(); // a read still using it fails over to the ordinary path
        }
        finally
        {
            _gate.Release();
        }

        lock (_queueLock)
        {
            _ended = true;
            _queued.Release(); // the store thread drains what is queued without storing it, and ends
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
                while (next < _source.BlockCount && Have(next))
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
                while (next < _source.BlockCount && next - first < want && !Have(next))
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

            // Blocks skipped because a read's task had claimed them: wait for those tasks, store what they left, and
            // complete only once the store thread has stored everything queued.
            await ClaimsReleasedAsync(token).ConfigureAwait(false);
            await StoreBlocksAsync(0, _source.BlockCount).ConfigureAwait(false);
            await ClaimsReleasedAsync(token).ConfigureAwait(false);
            LogSwept(_logger, _source.Version.Key, _stored.Count(x => x), _stored.Length);
        }
        catch (Exception e)
        {
            // Only an optimisation: whatever is not stored is read through the filesystem as before.
            LogSweepFailed(_logger, _source.Version.Key, e.Message);
        }
    }

    private async Task ClaimsReleasedAsync(CancellationToken token)
    {
        for (var i = 0L; i < _claims.Length; i++)
        {
            while (Volatile.Read(ref _claims[i]) != 0)
            {
                await Task.Delay(5, token).ConfigureAwait(false);
            }
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
    /// Always continues on another thread first: its caller may be the completion of a fetch a read is waiting for, and
    /// the reading, spooling and queueing below need not delay that read's answer.
    /// </summary>
    private async Task StoreBlocksAsync(long first, long end)
    {
        await Task.Yield();
        var token = _stop.Token;
        for (var i = first; i < end && !token.IsCancellationRequested; i++)
        {
            // One task at a time per block (the store thread releases the claim): the others skip it instead of
            // reading it again and, if the caches evicted it meanwhile, fetching it again.
            if (Volatile.Read(ref _stored[i]) || Interlocked.CompareExchange(ref _claims[i], 1, 0) != 0)
            {
                continue;
            }

            // A place in the store queue before a buffer: however many reads' tasks wait here, at most
            // QueueCapacity block buffers exist (tasks that wait hold a claim, no memory).
            try
            {
                await _room.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Volatile.Write(ref _claims[i], 0);
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(_source.BlockSize);
            var queued = false;
            try
            {
                queued = await QueueBlockAsync(i, buffer, token).ConfigureAwait(false);
                if (!queued)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                LogStoreFailed(_logger, _source.Version.Key, i, i + 1, e.Message);
            }
            finally
            {
                if (!queued)
                {
                    _room.Release();
                    Volatile.Write(ref _claims[i], 0);
                    Array.Clear(buffer, 0, _source.BlockSize);
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    /// <summary>
    /// Reads one claimed block (from the spool, else the caches or S3), keeps it in the spool, and queues it for the
    /// store thread, which releases the claim and the queue place the caller took; false when the fill stopped (the
    /// caller keeps both, and the buffer). On true, <paramref name="buffer"/> belongs to the store thread.
    /// </summary>
    private async ValueTask<bool> QueueBlockAsync(long i, byte[] buffer, CancellationToken token)
    {
        var length = _source.Format.PlainLengthOf(i, _source.PlainSize);
        var fromSpool = await TryReadSpooledAsync(i, buffer.AsMemory(0, _source.BlockSize), token).ConfigureAwait(false);
        if (!fromSpool)
        {
            await _source.ReadAsync(i * _source.BlockSize, buffer.AsMemory(0, length), token).ConfigureAwait(false);
            await SpoolAsync(i, buffer, length, token).ConfigureAwait(false);
        }

        return !_stopped && TryEnqueue(new StoreJob(i, buffer, length));
    }

    /// <summary>Hands a job (and its buffer) to the store thread; false once the fill has ended (the caller keeps both).</summary>
    private bool TryEnqueue(StoreJob job)
    {
        lock (_queueLock)
        {
            if (_ended)
            {
                return false;
            }

            _queue.Enqueue(job);
            _queued.Release();
            return true;
        }
    }

    public async ValueTask<int> TryReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_spool is null || _stopped || destination.IsEmpty || offset >= _source.PlainSize)
        {
            return -1;
        }

        var length = (int)Math.Min(destination.Length, _source.PlainSize - offset);
        var first = offset / _source.BlockSize;
        var end = ((offset + length - 1) / _source.BlockSize) + 1;
        for (var i = first; i < end; i++)
        {
            if (Volatile.Read(ref _spooled[i]) is null)
            {
                return -1;
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(_source.BlockSize);
        try
        {
            for (var i = first; i < end; i++)
            {
                if (!await TryReadSpooledAsync(i, buffer.AsMemory(0, _source.BlockSize), cancellationToken).ConfigureAwait(false))
                {
                    return -1;
                }

                var blockStart = i * _source.BlockSize;
                var from = Math.Max(offset, blockStart);
                var to = Math.Min(offset + length, blockStart + _source.BlockSize);
                buffer.AsSpan((int)(from - blockStart), (int)(to - from)).CopyTo(destination.Span[(int)(from - offset)..]);

                // A read reached the filesystem: the kernel no longer has this block's pages. Store them again, from
                // the plaintext at hand, if the store queue has room (else a later read of the block does).
                Volatile.Write(ref _stored[i], false);
                if (Interlocked.CompareExchange(ref _claims[i], 1, 0) == 0)
                {
                    var queued = false;
                    if (!_stopped && await _room.WaitAsync(0, CancellationToken.None).ConfigureAwait(false))
                    {
                        var copy = ArrayPool<byte>.Shared.Rent(_source.BlockSize);
                        buffer.AsSpan(0, _source.BlockSize).CopyTo(copy);
                        queued = TryEnqueue(new StoreJob(i, copy, _source.Format.PlainLengthOf(i, _source.PlainSize)));
                        if (!queued)
                        {
                            Array.Clear(copy, 0, _source.BlockSize);
                            ArrayPool<byte>.Shared.Return(copy);
                            _room.Release();
                        }
                    }

                    if (!queued)
                    {
                        Volatile.Write(ref _claims[i], 0);
                    }
                }
            }
        }
        finally
        {
            Array.Clear(buffer, 0, _source.BlockSize);
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return length;
    }

    /// <summary>Whether block <paramref name="index"/> needs no fetch: stored in the kernel, or kept in the spool.</summary>
    private bool Have(long index) => Volatile.Read(ref _stored[index]) || Volatile.Read(ref _spooled[index]) is not null;

    /// <summary>Block <paramref name="index"/>'s plaintext from the spool (full block, zeros past the end); false if it is not there or unreadable.</summary>
    private async ValueTask<bool> TryReadSpooledAsync(long index, Memory<byte> plain, CancellationToken cancellationToken)
    {
        if (_spool is null || Volatile.Read(ref _spooled[index]) is not { } spooled)
        {
            return false;
        }

        try
        {
            await _spool.ReadAsync(spooled.Block, index, plain, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stopped meanwhile (the spool is closed), or damaged on disk: the block comes from the caches or S3 instead.
            Interlocked.CompareExchange(ref _spooled[index], null, spooled); // not a newer copy written meanwhile
            LogSpoolFailed(_logger, _source.Version.Key, index, e.Message);
            return false;
        }
    }

    /// <summary>After a store, with the block claimed: keeps it in the spool once.</summary>
    private async ValueTask SpoolAsync(long index, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        if (_spool is null || Volatile.Read(ref _spooled[index]) is not null)
        {
            return;
        }

        try
        {
            Array.Clear(buffer, length, _source.BlockSize - length); // a staged block is a full block, zeros past the end
            var spooled = await _spool.WriteAsync((int)index, index, generation: 1, buffer.AsMemory(0, _source.BlockSize), _spoolFormat, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _spooled[index], new SpooledBlock(spooled));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Out of disk space, or stopped meanwhile: the block is simply not kept; a later read fetches it.
            LogSpoolFailed(_logger, _source.Version.Key, index, e.Message);
        }
    }

    /// <summary>
    /// The store thread: stores queued blocks one after another, each under the gate (so that a stop waits for the
    /// store in progress and none follows it), until the fill stops. Synchronous waits are fine here: this thread is
    /// the fill's own, never a thread-pool thread.
    /// </summary>
    private void RunStores()
    {
        var recent = new Queue<long>();
        while (true)
        {
            _queued.Wait();
            if (!_queue.TryDequeue(out var job))
            {
                if (_ended)
                {
                    return;
                }

                continue;
            }

            try
            {
                var refused = false;
                _gate.Wait();
                try
                {
                    if (!_stopped)
                    {
                        if (_store(job.Index * _source.BlockSize, job.Buffer.AsSpan(0, job.Length)))
                        {
                            Volatile.Write(ref _stored[job.Index], true);

                            // The kernel has it (and the spool, when there is one): the memory cache need not, so a file
                            // larger than the cache does not push out every other file's blocks (nor hold the whole
                            // budget). Forgotten QueueCapacity blocks later, not at once: a read that reached the
                            // filesystem just before this store still finds its block cached instead of fetching it again.
                            recent.Enqueue(job.Index);
                            if (recent.Count > QueueCapacity)
                            {
                                _source.Forget(recent.Dequeue());
                            }
                        }
                        else
                        {
                            // The kernel refused (the inode is gone from its cache, or stores are not supported): stop.
                            _stopped = refused = true;
                        }
                    }
                }
                finally
                {
                    _gate.Release();
                }

                if (refused)
                {
                    _stop.Cancel(); // outside the gate: cancellation runs other tasks' continuations here
                }
            }
            catch (Exception e)
            {
                LogStoreFailed(_logger, _source.Version.Key, job.Index, job.Index + 1, e.Message);
            }
            finally
            {
                Volatile.Write(ref _claims[job.Index], 0);
                Array.Clear(job.Buffer, 0, _source.BlockSize);
                ArrayPool<byte>.Shared.Return(job.Buffer);
                _room.Release();
            }
        }
    }

    /// <summary>A block kept in the spool (a reference, so that readers see it whole).</summary>
    private sealed record SpooledBlock(StagedBlock Block);

    /// <summary>One block's plaintext for the store thread, which owns the buffer from then on.</summary>
    private sealed record StoreJob(long Index, byte[] Buffer, int Length);

    [LoggerMessage(EventId = 1530, Level = LogLevel.Debug, Message = "Page cache fill of {Key}: {Stored} of {Blocks} blocks stored")]
    private static partial void LogSwept(ILogger logger, string key, int stored, int blocks);

    [LoggerMessage(EventId = 1531, Level = LogLevel.Debug, Message = "Page cache fill of {Key} stopped: {Error}")]
    private static partial void LogSweepFailed(ILogger logger, string key, string error);

    [LoggerMessage(EventId = 1533, Level = LogLevel.Debug, Message = "Page cache fill of {Key}: block {Index} not kept on local disk: {Error}")]
    private static partial void LogSpoolFailed(ILogger logger, string key, long index, string error);

    [LoggerMessage(EventId = 1532, Level = LogLevel.Debug, Message = "Page cache fill of {Key} blocks {First}-{End} failed (reads of them go through the filesystem): {Error}")]
    private static partial void LogStoreFailed(ILogger logger, string key, long first, long end, string error);
}
