namespace S3Fs.Core.Content.Reading;

/// <summary>
/// The bytes all readers of a mount may hold fetched ahead of their read position. A reader reserves before it
/// issues a read-ahead request and releases as it consumes (or when it seeks or closes). A reservation that does not
/// fit fails at once: the reader then simply does not read further ahead (backpressure), so read-ahead can never push
/// the block cache past its budget by itself, and a demand read never waits here.
/// </summary>
internal sealed class ReadAheadBudget
{
    private long _available;

    public ReadAheadBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _available = capacity;
    }

    public long Capacity { get; }

    /// <summary>Bytes currently reserved by all readers.</summary>
    public long Reserved => Capacity - Interlocked.Read(ref _available);

    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        while (true)
        {
            var available = Interlocked.Read(ref _available);
            if (available < bytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _available, available - bytes, available) == available)
            {
                return true;
            }
        }
    }

    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var after = Interlocked.Add(ref _available, bytes);
        if (after > Capacity)
        {
            throw new InvalidOperationException($"Read-ahead budget released more than was reserved ({after} > {Capacity}).");
        }
    }
}
