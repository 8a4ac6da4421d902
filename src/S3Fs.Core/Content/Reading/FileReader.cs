namespace S3Fs.Core.Content.Reading;

/// <summary>
/// The reads of one open handle, with their own read-ahead. Before serving a read it tells the
/// <see cref="ReadAheadPolicy"/>; while the stream is sequential it keeps the window ahead of the read position
/// fetched by background ranged GETs of the stored object (at most <see cref="ContentOptions.ReadAheadParallelism"/>
/// in flight, each 1 to 8 MiB, growing with the window), reserving the bytes it fetches ahead from the mount's
/// <see cref="ReadAheadBudget"/> and releasing them as it reads on. A seek releases everything and starts over; the
/// requests already in flight finish into the cache. Read-ahead covers only the stored object's blocks; staged
/// (dirty) blocks are local already. Thread-safe: one lock guards the read-ahead state, never held across I/O.
/// </summary>
internal sealed class FileReader : IFileReader
{
    private readonly FileContent _content;
    private readonly ContentOptions _options;
    private readonly ReadAheadBudget _budget;
    private readonly ReadAheadPolicy _policy;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private BlockSource? _source;
    private long _consumed;
    private long _issued;
    private int _inFlight;
    private bool _disposed;

    public FileReader(FileContent content, ContentOptions options, ReadAheadBudget budget)
    {
        _content = content;
        _options = options;
        _budget = budget;
        _policy = new ReadAheadPolicy(options.InitialReadAhead, options.MaxReadAhead);
    }

    /// <summary>Bytes fetched ahead and reserved, for tests.</summary>
    internal long Reserved
    {
        get
        {
            lock (_lock)
            {
                return _issued - _consumed;
            }
        }
    }

    internal long Window
    {
        get
        {
            lock (_lock)
            {
                return _policy.Window;
            }
        }
    }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (source, limit) = _content.ReadAheadTarget();
        if (source is not null && destination.Length > 0)
        {
            // Started outside the lock: with a store that completes synchronously a prefetch runs inline.
            foreach (var (first, end) in PlanReadAhead(source, limit, offset, destination.Length))
            {
                _ = RunPrefetchAsync(source, first, end);
            }
        }

        return await _content.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ReleaseLocked();
        }

        _stop.Cancel();
        _stop.Dispose();
    }

    /// <summary>Updates the read-ahead state for a read and returns the block ranges to prefetch now (already reserved and counted in flight).</summary>
    private List<(long First, long End)> PlanReadAhead(BlockSource source, long limit, long offset, int length)
    {
        var requests = new List<(long First, long End)>();
        lock (_lock)
        {
            if (_disposed)
            {
                return requests;
            }

            if (!ReferenceEquals(source, _source))
            {
                // The content was uploaded and now reads another version: what was fetched ahead belongs to the old one.
                ReleaseLocked();
                _source = source;
            }

            var readEnd = offset + length;
            if (!_policy.OnRead(offset, length))
            {
                ReleaseLocked();
                _consumed = _issued = readEnd;
                return requests;
            }

            Consume(readEnd);
            var window = _policy.Window;
            var desired = Math.Min(limit, readEnd + window);
            var requestSize = Math.Clamp(window / _options.ReadAheadParallelism, Math.Min(window, _options.MinReadRequest), _options.MaxReadRequest);
            var blockSize = source.BlockSize;
            while (_inFlight < _options.ReadAheadParallelism)
            {
                // Top up in whole requests: a gap smaller than one request waits until the reader has used up enough
                // (otherwise every small read would trigger a small GET), unless it reaches the end of the data.
                var gap = desired - _issued;
                if (gap <= 0 || (gap < requestSize && desired < limit))
                {
                    break;
                }

                var from = _issued;
                var to = Math.Min(desired, from + requestSize);
                var firstBlock = from / blockSize;
                var endBlock = ((to - 1) / blockSize) + 1;
                var alignedTo = Math.Min(limit, endBlock * blockSize);
                if (!_budget.TryReserve(alignedTo - from))
                {
                    break; // backpressure: the mount holds as much read-ahead as it may
                }

                _issued = alignedTo;
                _inFlight++;
                requests.Add((firstBlock, endBlock));
            }
        }

        return requests;
    }

    private async Task RunPrefetchAsync(BlockSource source, long first, long end)
    {
        try
        {
            CancellationToken token;
            lock (_lock)
            {
                token = _disposed ? new CancellationToken(canceled: true) : _stop.Token;
            }

            await source.PrefetchAsync(first, end, token).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }
    }

    /// <summary>The reader has read up to <paramref name="readEnd"/>: what it fetched ahead below that is used up.</summary>
    private void Consume(long readEnd)
    {
        if (readEnd >= _issued)
        {
            _budget.Release(_issued - _consumed);
            _consumed = _issued = readEnd;
        }
        else if (readEnd > _consumed)
        {
            _budget.Release(readEnd - _consumed);
            _consumed = readEnd;
        }
    }

    private void ReleaseLocked()
    {
        _budget.Release(_issued - _consumed);
        _consumed = _issued;
    }
}
