namespace S3Fs.Core.Content.Reading;

/// <summary>
/// Sequential-access detection and the read-ahead window of one reader, as pure state (no I/O, not thread-safe: the
/// <see cref="FileReader"/> calls it under its lock). A read is sequential when it starts where the stream left off,
/// give or take <see cref="BackwardTolerance"/> behind or one window ahead, or when it is the first read and starts at
/// offset 0. Each sequential read doubles the window, from the initial size up to the maximum (a geometric ramp, as
/// the kernel's own read-ahead and mountpoint-s3's prefetcher do: a short read costs little, a long stream reaches
/// full speed after a few reads). Any other read is a seek: the window drops to zero until the stream is sequential again.
/// </summary>
internal sealed class ReadAheadPolicy
{
    /// <summary>
    /// FUSE may deliver the kernel's concurrent read-ahead requests slightly out of order; a read at most 1 MiB (eight
    /// of the kernel's 128 KiB requests) behind the stream's end still belongs to the stream.
    /// </summary>
    public const long BackwardTolerance = 1024 * 1024;

    private readonly long _initial;
    private readonly long _max;
    private long _next = -1;

    public ReadAheadPolicy(long initialWindow, long maxWindow)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialWindow);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWindow, initialWindow);
        _initial = initialWindow;
        _max = maxWindow;
    }

    /// <summary>Bytes to keep fetched ahead of the read position (0: not sequential).</summary>
    public long Window { get; private set; }

    /// <summary>Where the stream's next read is expected (-1 before the first read).</summary>
    public long Next => _next;

    /// <summary>Records a read; true when it continues a sequential stream (and the window has grown).</summary>
    public bool OnRead(long offset, long length)
    {
        var end = offset + length;
        var sequential = _next < 0
            ? offset == 0
            : offset >= _next - BackwardTolerance && offset <= _next + Math.Max(Window, _initial);
        if (sequential)
        {
            Window = Window == 0 ? _initial : Math.Min(Window * 2, _max);
            _next = Math.Max(_next, end);
        }
        else
        {
            Window = 0;
            _next = end;
        }

        return sequential;
    }
}
