namespace S3Fs.Core.Maintenance;

/// <summary>How <see cref="Migrator"/> rewrites plain objects. The sizes match the content layer's upload shapes.</summary>
public sealed record MigrateOptions
{
    private const long MiB = 1024 * 1024;

    /// <summary>List what would be encrypted (checking the metadata budget) and write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Objects up to this size are read whole, sealed and written with one conditional PUT: 8 MiB, as the content
    /// layer's single-PUT threshold; above it a multipart upload avoids holding the object in memory.
    /// </summary>
    public long SinglePutThreshold { get; init; } = 8 * MiB;

    /// <summary>
    /// Plaintext bytes per uploaded part: 8 MiB (the size AWS recommends, above S3's 5 MiB part minimum even before
    /// sealing adds 28 bytes per block). It is a multiple of every valid block size, so parts hold whole blocks. It
    /// grows for objects that would otherwise need more than S3's 10,000 parts (beyond 80 GB).
    /// </summary>
    public long PartSize { get; init; } = 8 * MiB;

    /// <summary>
    /// Parts being read, sealed or sent at once in the whole run: 8. Each holds one sealed part buffer, plus a
    /// plaintext buffer while it is read, so the run holds at most 2 × 8 × 8 MiB = 128 MiB of buffers by default,
    /// however many and however large the objects.
    /// </summary>
    public int MaxPartBuffers { get; init; } = 8;

    /// <summary>Parts of one object in flight at once: 4, so a single large object keeps several uploads going while the next part is read.</summary>
    public int PartsInFlightPerObject { get; init; } = 4;
}
