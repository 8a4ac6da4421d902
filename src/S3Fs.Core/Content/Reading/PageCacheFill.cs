using System.Buffers;
using Microsoft.Extensions.Logging;

namespace S3Fs.Core.Content.Reading;

/// <summary>
/// Copies a clean file's stored object, block by block, into a cache outside this process (the kernel's page cache,
/// through <see cref="PageStore"/>), so that random reads of a file read over and over are served without a request
/// to this process or to S3. Two sources feed it: a background sweep that fetches the blocks not yet stored in
/// ranged GETs of up to <see cref="ContentOptions.MaxReadRequest"/>, <see cref="ContentOptions.ReadAheadParallelism"/>
/// at a time, in order, holding what it fetched and has not stored yet within the mount's read-ahead budget (so
/// its blocks are not evicted from the memory cache before they are stored); and <see cref="OnRead"/>, which stores the blocks a served read has just brought into the
/// memory cache. Each block is fetched about once: the sweep skips blocks already stored.
/// <para>
/// Coherency: the owner stops the fill (<see cref="StopAsync"/>) before anything can change the file (an open for
/// writing, a truncation) and before the content goes away. Every store runs under <see cref="_gate"/> and checks
/// <see cref="_stopped"/>, so once <see cref="StopAsync"/> returns nothing is stored again. A store may block
/// briefly on a page the kernel holds locked for a read in flight; stores therefore always run on a thread of their
/// own (<see cref="StoreBlocksAsync"/> yields first), never inline in a read or in a fetch a read waits for.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Reliability",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The SemaphoreSlim (no wait handle is ever taken) and the CancellationTokenSource (no timer) hold nothing to release; the fill's tasks may still check them after StopAsync returns, which a Dispose would turn into ObjectDisposedException.")]
internal sealed partial class PageCacheFill : IPageCacheFill
{
    private readonly BlockSource _source;
    private readonly ContentOptions _options;
    private readonly ReadAheadBudget _budget;
    private readonly PageStore _store;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool[] _stored;
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

    public void Start() => _completion = Task.Run(SweepAsync);

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

                    if (!_store(offset, buffer.AsSpan(0, length)))
                    {
                        // The kernel refused (the inode is gone from its cache, or stores are not supported): stop.
                        _stopped = true;
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

    [LoggerMessage(EventId = 1530, Level = LogLevel.Debug, Message = "Page cache fill of {Key}: {Stored} of {Blocks} blocks stored")]
    private static partial void LogSwept(ILogger logger, string key, int stored, int blocks);

    [LoggerMessage(EventId = 1531, Level = LogLevel.Debug, Message = "Page cache fill of {Key} stopped: {Error}")]
    private static partial void LogSweepFailed(ILogger logger, string key, string error);

    [LoggerMessage(EventId = 1532, Level = LogLevel.Debug, Message = "Page cache fill of {Key} blocks {First}-{End} failed (reads of them go through the filesystem): {Error}")]
    private static partial void LogStoreFailed(ILogger logger, string key, long first, long end, string error);
}
