using S3Fs.Core.Namespace;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Content;

/// <summary>
/// Settings of a volume's content layer: its format (encrypting or plain), memory and disk budgets, read-ahead and
/// upload shapes. Every default is chosen for a general-purpose mount on a machine with a few GiB of memory and a
/// network path to S3 of 100 Mbit/s to 10 Gbit/s; each is explained where it is declared. Validated by
/// <see cref="Validate"/> when a <see cref="ContentStore"/> is built.
/// </summary>
public sealed record ContentOptions
{
    private const long KiB = 1024;
    private const long MiB = 1024 * KiB;
    private const long GiB = 1024 * MiB;

    /// <summary>
    /// Opens encrypted objects and, when <see cref="Encrypting"/>, seals every object this mount uploads in format v1
    /// (its master-key ring decides which keys open and wrap). Null: encrypted objects cannot be opened.
    /// </summary>
    public FileCipherFactory? Ciphers { get; init; }

    /// <summary>
    /// Whether new files and rewrites of plain objects are uploaded encrypted. Null (the default): whenever
    /// <see cref="Ciphers"/> is set. False with a factory: a plain volume that can still read (and rewrite, keeping
    /// their encryption) encrypted objects. An encrypted object is never rewritten as plaintext.
    /// </summary>
    public bool? Encrypt { get; init; }

    /// <summary>Whether uploads of new files are encrypted.</summary>
    public bool Encrypting => Encrypt ?? Ciphers is not null;

    /// <summary>
    /// Plaintext block size of new files, also the cache and staging granularity of plain objects. 64 KiB is the
    /// format's default: docs/PERFORMANCE.md shows it is where AES-GCM throughput stops improving, while a random 4 KiB
    /// read still fetches only 64 KiB. In an encrypting volume it must equal the factory's block size.
    /// </summary>
    public int BlockSize { get; init; } = FormatV1.DefaultBlockSize;

    /// <summary>
    /// Memory for plaintext blocks shared by every file of the mount (the LRU block cache). 256 MiB holds four full
    /// read-ahead windows (64 MiB each) with room for the hot blocks of random readers, and is small next to the
    /// memory of any machine that mounts S3.
    /// </summary>
    public long CacheSize { get; init; } = 256 * MiB;

    /// <summary>Null: no disk cache. Otherwise a directory for ciphertext blocks (never plaintext; see SECURITY.md §9).</summary>
    public string? DiskCacheDirectory { get; init; }

    /// <summary>
    /// Bytes the disk cache may use. 4 GiB keeps a working set of many large files local without crowding a system
    /// disk; files are evicted least recently used first when an insert would exceed it.
    /// </summary>
    public long DiskCacheSize { get; init; } = 4 * GiB;

    /// <summary>
    /// Where dirty blocks are staged (sealed with a per-process key). Null: a <c>staging</c> folder in the disk cache
    /// directory if there is one, else <c>/var/tmp/s3cfs</c> (on Windows the user's temp folder). /var/tmp rather than
    /// /tmp because /tmp is often a RAM-backed tmpfs, and staging exists so that files larger than memory can be written.
    /// </summary>
    public string? StagingDirectory { get; init; }

    /// <summary>
    /// First read-ahead window once a reader looks sequential: 128 KiB, the Linux kernel's own default read-ahead,
    /// so a short sequential read costs nothing the kernel would not have asked for anyway.
    /// </summary>
    public long InitialReadAhead { get; init; } = 128 * KiB;

    /// <summary>
    /// Largest read-ahead window per reader: 64 MiB. The window doubles with every sequential read; at 64 MiB, eight
    /// 8 MiB requests cover about 60 ms of a 1 GB/s stream, more than S3's first-byte latency, so a sequential reader
    /// rarely waits. Larger windows only add memory.
    /// </summary>
    public long MaxReadAhead { get; init; } = 64 * MiB;

    /// <summary>
    /// Largest ranged GET issued by read-ahead, in plaintext bytes (a sealed range is 28 bytes per block longer): 8 MiB,
    /// the size AWS recommends for parallel ranged GETs; each response is long enough that the per-request latency is
    /// amortised, short enough that 4 in flight keep a link busy.
    /// </summary>
    public long MaxReadRequest { get; init; } = 8 * MiB;

    /// <summary>
    /// Smallest read-ahead request once the window allows it: 1 MiB. Below that the per-request cost (a round trip,
    /// ~10-50 ms on S3) dominates the transfer time.
    /// </summary>
    public long MinReadRequest { get; init; } = 1 * MiB;

    /// <summary>Read-ahead GETs in flight per reader: 4 parallel streams saturate one S3 prefix connection set.</summary>
    public int ReadAheadParallelism { get; init; } = 4;

    /// <summary>
    /// Ranged GETs in flight for the whole mount (demand and read-ahead): 16. A block fetch streams and holds one stored
    /// block while it runs; a small object read whole holds at most 64 KiB.
    /// </summary>
    public int MaxConcurrentFetches { get; init; } = 16;

    /// <summary>
    /// Bytes all readers together may hold fetched ahead of their position. Null: half the cache, so prefetched blocks
    /// are not evicted by other prefetched blocks before they are read. A reader that cannot reserve more stops reading
    /// ahead until it has consumed what it holds (backpressure); demand reads never wait for it.
    /// </summary>
    public long? ReadAheadBudget { get; init; }

    /// <summary>
    /// Size of uploaded multipart parts: 8 MiB, AWS's recommended part size; above S3's 5 MiB minimum, and 10,000 parts
    /// of it cover 78 GiB (bigger files get bigger parts automatically).
    /// </summary>
    public long UploadPartSize { get; init; } = 8 * MiB;

    /// <summary>
    /// Size of server-side copied parts (UploadPartCopy) of unchanged ranges: 512 MiB. Copies cost no bandwidth of
    /// ours, so fewer, larger requests are better; 512 MiB keeps each request short enough to retry cheaply.
    /// </summary>
    public long CopyPartSize { get; init; } = 512 * MiB;

    /// <summary>Parts one upload sends in parallel: 4, enough to fill a 1-10 Gbit/s link with 8 MiB parts.</summary>
    public int UploadParallelism { get; init; } = 4;

    /// <summary>
    /// Part bodies being built or sent across the whole mount: 8. Each is one <see cref="UploadPartSize"/> buffer, so
    /// uploads add at most 8 × 8 MiB = 64 MiB of memory whatever the number or size of files.
    /// </summary>
    public int MaxConcurrentPartBuffers { get; init; } = 8;

    /// <summary>
    /// Objects up to this size are uploaded with one PUT: 8 MiB, one part's worth. A multipart upload costs three more
    /// requests, and a single PUT of a few MiB takes no longer than one part.
    /// </summary>
    public long SinglePutThreshold { get; init; } = 8 * MiB;

    /// <summary>
    /// Start the multipart upload of a large new file written sequentially while it is being written, so that close
    /// waits only for the tail. On by default; off makes close upload everything.
    /// </summary>
    public bool EarlyUpload { get; init; } = true;

    /// <summary>
    /// User-metadata names whose values may differ between the start of an early upload and the close without the
    /// object's metadata being rewritten: the POSIX times, which change with every write. Their stored values are the
    /// ones of the moment the upload started (the file's mtime is then at most the write's duration early). Any other
    /// difference (mode, owner, xattrs changed while writing) is applied by a server-side copy after the upload.
    /// </summary>
    public IReadOnlySet<string> EarlyUploadVolatileAttributes { get; init; } =
        new HashSet<string>(StringComparer.Ordinal) { PosixAttributes.ATimeKey, PosixAttributes.MTimeKey, PosixAttributes.CTimeKey };

    /// <summary>The effective read-ahead budget.</summary>
    public long EffectiveReadAheadBudget => ReadAheadBudget ?? CacheSize / 2;

    /// <summary>The effective staging directory (see <see cref="StagingDirectory"/>).</summary>
    public string EffectiveStagingDirectory =>
        StagingDirectory
        ?? (DiskCacheDirectory is { } cache ? Path.Combine(cache, "staging")
            : OperatingSystem.IsWindows() ? Path.Combine(Path.GetTempPath(), "s3cfs") : "/var/tmp/s3cfs");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range, and why.</summary>
    public void Validate(Storage.ObjectStoreCapabilities capabilities)
    {
        if (!BlockLayout.IsValidBlockSize(BlockSize))
        {
            Fail(nameof(BlockSize), $"{BlockSize} is not a power of two from {FormatV1.MinBlockSize} to {FormatV1.MaxBlockSize}");
        }

        if (Encrypt == true && Ciphers is null)
        {
            Fail(nameof(Encrypt), "encryption needs a cipher factory (the volume's master keys)");
        }

        if (Encrypting && Ciphers is { } c && c.Layout.PlainBlockSize != BlockSize)
        {
            Fail(nameof(BlockSize), $"{BlockSize} differs from the cipher factory's block size {c.Layout.PlainBlockSize}; the volume has one block size");
        }

        var cipherBlock = BlockSize + FormatV1.BlockOverhead;
        if (CacheSize < 4L * cipherBlock)
        {
            Fail(nameof(CacheSize), $"{CacheSize} bytes hold fewer than 4 blocks of {BlockSize} bytes");
        }

        if (DiskCacheDirectory is not null && DiskCacheSize < 4L * cipherBlock)
        {
            Fail(nameof(DiskCacheSize), $"{DiskCacheSize} bytes hold fewer than 4 blocks of {BlockSize} bytes");
        }

        if (InitialReadAhead <= 0 || MaxReadAhead < InitialReadAhead)
        {
            Fail(nameof(MaxReadAhead), $"the read-ahead window must grow from a positive InitialReadAhead ({InitialReadAhead}) to at least that ({MaxReadAhead})");
        }

        if (MinReadRequest <= 0 || MaxReadRequest < MinReadRequest || MaxReadRequest > int.MaxValue / 2)
        {
            Fail(nameof(MaxReadRequest), $"read requests must be 1 byte to 1 GiB with MinReadRequest ({MinReadRequest}) ≤ MaxReadRequest ({MaxReadRequest})");
        }

        if (ReadAheadParallelism < 1 || MaxConcurrentFetches < 1 || UploadParallelism < 1 || MaxConcurrentPartBuffers < 1)
        {
            Fail(nameof(ReadAheadParallelism), "parallelism settings must be at least 1");
        }

        if (EffectiveReadAheadBudget < 0 || EffectiveReadAheadBudget > CacheSize)
        {
            Fail(nameof(ReadAheadBudget), $"{EffectiveReadAheadBudget} must be between 0 and the cache size {CacheSize}, or prefetched blocks would evict each other");
        }

        if (UploadPartSize < capabilities.MinPartSize || UploadPartSize > int.MaxValue / 2 || UploadPartSize + capabilities.MinPartSize > capabilities.MaxPartSize)
        {
            Fail(nameof(UploadPartSize), $"{UploadPartSize} must be at least the server's minimum part size {capabilities.MinPartSize} and at most 1 GiB");
        }

        if (CopyPartSize < capabilities.MinPartSize || CopyPartSize + capabilities.MinPartSize > capabilities.MaxPartSize)
        {
            Fail(nameof(CopyPartSize), $"{CopyPartSize} must be from the minimum part size {capabilities.MinPartSize} to the maximum {capabilities.MaxPartSize} less one minimum part");
        }

        if (SinglePutThreshold < 0 || SinglePutThreshold > int.MaxValue / 2)
        {
            Fail(nameof(SinglePutThreshold), $"{SinglePutThreshold} must be from 0 to 1 GiB (the body of a single PUT is built in memory)");
        }
    }

    private static void Fail(string setting, string reason) =>
        throw new ArgumentException($"Content setting {setting}: {reason}.", setting);
}
