namespace S3Fs.Core.FileSystem;

/// <summary>
/// Tells a handle's reads that continue a sequential stream from reads that jump. It follows the last
/// <see cref="Streams"/> streams, each by where its furthest read ended; a read continues one when it starts within
/// a window of that end, behind or ahead. The window allows for reordering: the kernel keeps up to its
/// <c>max_background</c> (12 by default) read-ahead requests in flight, and the mount's threads may serve them in any
/// order, so a sequential reader's requests arrive up to about twelve request sizes behind the furthest one. A
/// single "where the last read ended" (what this replaced) took a loaded machine's reordered read-ahead for random
/// reads and started a page cache fill under a plain <c>cat</c>. Not thread-safe: the caller serializes.
/// </summary>
internal sealed class ReadPattern
{
    /// <summary>Streams followed at once (a reader interleaving a few sequential streams on one handle).</summary>
    public const int Streams = 4;

    /// <summary>The smallest window: a random reader of 4 KiB is still told from a sequential one.</summary>
    public const long MinWindow = 256 * 1024;

    /// <summary>The largest window (1 MiB requests): 4 streams then cover 32 MiB, 3% of a 1 GiB file read at random.</summary>
    public const long MaxWindow = 4 * 1024 * 1024;

    private readonly long[] _ends = [0, long.MinValue, long.MinValue, long.MinValue]; // a new handle reads from 0
    private readonly long[] _lastUse = [0, -1, -1, -1]; // unused streams are taken before the one at 0
    private long _clock;

    /// <summary>
    /// Records a read of a file of <paramref name="fileSize"/> bytes; true when it continues one of the recent streams,
    /// false when it starts a new one. The window is also at most a 32nd of the file (but never less than the read):
    /// the windows of four streams, behind and ahead, then cover at most a quarter of a small file, so random reads of
    /// a 2 MiB database are still told from sequential ones.
    /// </summary>
    public bool Continues(long offset, int length, long fileSize)
    {
        var window = Math.Min(Math.Clamp(16L * length, MinWindow, MaxWindow), Math.Max(length, fileSize / (8 * Streams)));
        var end = offset + length;
        _clock++;
        var oldest = 0;
        for (var i = 0; i < Streams; i++)
        {
            if (_ends[i] != long.MinValue && offset >= _ends[i] - window && offset <= _ends[i] + window)
            {
                _ends[i] = Math.Max(_ends[i], end);
                _lastUse[i] = _clock;
                return true;
            }

            if (_lastUse[i] < _lastUse[oldest])
            {
                oldest = i;
            }
        }

        _ends[oldest] = end;
        _lastUse[oldest] = _clock;
        return false;
    }
}
