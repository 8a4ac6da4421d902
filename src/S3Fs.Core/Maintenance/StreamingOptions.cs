namespace S3Fs.Core.Maintenance;

/// <summary>
/// How an object is streamed through this process when it must be rewritten and cannot be copied server-side
/// (<see cref="StreamingRewriter"/>). The sizes match the content layer's upload shapes.
/// </summary>
public sealed record StreamingOptions
{
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// Objects up to this size are read whole, transformed and written with one PUT: 8 MiB, as the content layer's
    /// single-PUT threshold; above it a multipart upload avoids holding the object in memory.
    /// </summary>
    public long SinglePutThreshold { get; init; } = 8 * MiB;

    /// <summary>
    /// Source bytes per uploaded part: 8 MiB (the size AWS recommends, above S3's 5 MiB part minimum even before
    /// sealing adds 28 bytes per block). It is a multiple of every valid block size, so parts hold whole blocks. It
    /// grows for objects that would otherwise need more than S3's 10,000 parts (beyond 80 GB).
    /// </summary>
    public long PartSize { get; init; } = 8 * MiB;

    /// <summary>
    /// Parts being read, transformed or sent at once in the whole run: 8. Each holds one output buffer, plus a source
    /// buffer while it is read, so a run holds at most 2 × 8 × 8 MiB = 128 MiB of buffers by default, however many
    /// and however large the objects.
    /// </summary>
    public int MaxPartBuffers { get; init; } = 8;

    /// <summary>Parts of one object in flight at once: 4, so a single large object keeps several uploads going while the next part is read.</summary>
    public int PartsInFlightPerObject { get; init; } = 4;
}
