using System.Buffers;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Content.Reading;
using S3Fs.Core.Content.Uploading;
using S3Fs.Core.Content.Writing;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content;

/// <summary>
/// The content of one file: a base object (the version last read or uploaded, possibly none) overlaid by local
/// changes. The logical bytes at offset o are, in order of precedence: the block being filled in memory
/// (<see cref="Fill"/>), a staged block (sealed on local disk), the base's bytes if o is below
/// <see cref="_baseLimit"/> (the smallest size the file had since the base was read: truncated base bytes never come
/// back), else zeros. Staged and filled blocks always hold a full block with zeros past the file's end, so extending
/// a file needs no work. This file holds the state and the read path; FileContent.Write.cs the writes and
/// truncation; FileContent.Upload.cs the upload.
/// <para>
/// Locking: <see cref="_gate"/> (async) serialises every change of the state and every read of staged blocks; it
/// is never held while calling the namespace back except <see cref="IFileContent.UploadTargetProvider"/>, which
/// takes no lock the namespace holds while waiting for content. <see cref="_uploadGate"/> serialises uploads and is
/// taken before <see cref="_gate"/>; an upload holds <see cref="_gate"/> only to take its snapshot and to commit, so
/// writes proceed while it runs. Staging slots an upload (or an early upload) reads are pinned: a write to their block
/// goes to a new slot and the old one is freed when unpinned. Reads of a file without local changes take no lock.
/// </para>
/// </summary>
internal sealed partial class FileContent : IFileContent
{
    private readonly ContentServices _s;
    private readonly Uploader _uploader;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _uploadGate = new(1, 1);
    private readonly Lock _targetLock = new();
    private readonly Dictionary<long, StagedBlock> _staged = [];
    private readonly Dictionary<int, int> _pins = [];
    private readonly HashSet<int> _retired = [];
    private readonly int _blockSize;
    private BaseObject? _base;
    private Task<BlockFormat>? _target;
    private SealedBlockFormat? _sealedTarget; // the target once it exists, when it seals (what blocks are staged in)
    private StagingFile? _staging;
    private Fill? _fill;
    private long _size;
    private long _baseLimit;
    private long _minSizeSinceSnapshot;
    private long _generation;
    private long _changes;
    private long _uploadedChanges;
    private EarlyUpload? _early;
    private volatile bool _local;
    private bool _disposed;

    /// <summary>An existing object, opened in <paramref name="format"/> (which this content now owns).</summary>
    public FileContent(ContentServices services, ObjectInfo head, BlockFormat format, long plainSize)
    {
        _s = services;
        _uploader = new Uploader(services);
        _blockSize = format.BlockSize;
        _base = new BaseObject(new BlockSource(services, head.Version, format, plainSize), head.Metadata.ContentType);
        _size = _baseLimit = _minSizeSinceSnapshot = plainSize;

        // An encrypted base keeps its cipher (same data key and file id, so unchanged blocks stay valid). A plain base
        // stays plain in a plain volume; an encrypting volume gives it a new cipher at its first upload.
        if (format.IsEncrypted || !services.Options.Encrypting)
        {
            _target = Task.FromResult(format);
            _sealedTarget = format as SealedBlockFormat;
        }
    }

    /// <summary>A new file that exists only here until uploaded (dirty from the start: even empty, it must be stored).</summary>
    public FileContent(ContentServices services)
    {
        _s = services;
        _uploader = new Uploader(services);
        _blockSize = services.Options.BlockSize;
        _changes = 1;
        _local = true;
        if (!services.Options.Encrypting)
        {
            _target = Task.FromResult<BlockFormat>(new PlainBlockFormat(_blockSize));
        }
    }

    public long Size => Volatile.Read(ref _size);

    public bool IsDirty => Volatile.Read(ref _changes) != Volatile.Read(ref _uploadedChanges);

    public ObjectVersion? Base => Volatile.Read(ref _base)?.Source.Version;

    public Func<UploadTarget?>? UploadTargetProvider { get; set; }

    /// <summary>Blocks staged on local disk now (tests; not synchronised).</summary>
    internal int StagedBlocks => _staged.Count;

    /// <summary>The target format's creation, once started (tests wait for it).</summary>
    internal Task<BlockFormat>? TargetTask => _target;

    /// <summary>How block <paramref name="index"/> is staged, if it is (tests; not synchronised).</summary>
    internal StagedBlock? StagedAt(long index) => _staged.TryGetValue(index, out var staged) ? staged : null;

    /// <summary>The staging file, if any (tests scan its raw bytes).</summary>
    internal StagingFile? StagingFile => _staging;

    /// <summary>The early upload in progress, if any (tests).</summary>
    internal EarlyUpload? EarlyUpload => _early;

    public void Relocate(ObjectVersion newBase) => Volatile.Read(ref _base)?.Source.Relocate(newBase);

    public IFileReader CreateReader() => new FileReader(this, _s.Options, _s.ReadAhead);

    public IPageCacheFill? StartPageCacheFill(PageStore store)
    {
        // Clean first, then the base: an upload's commit installs its base before it clears _local, so a base read
        // after seeing the content clean is the one that content is.
        if (_local || IsDirty || Volatile.Read(ref _base) is not { } b || b.Source.PlainSize == 0)
        {
            return null;
        }

        var fill = new PageCacheFill(b.Source, _s.Options, _s.ReadAhead, store, CreateSpool(b.Source), _s.Logger);
        fill.Start();
        return fill;
    }

    /// <summary>
    /// The fill's local copy, when the staging area has room for it twice over (the copy, and as much again for the
    /// writes staging exists for); else none: the fill then works without one, and never makes a read fail.
    /// </summary>
    private StagingFile? CreateSpool(BlockSource source)
    {
        var size = source.Format.StoredSizeOf(source.PlainSize);
        try
        {
            if (new DriveInfo(_s.Staging.DirectoryPath).AvailableFreeSpace < 2 * size)
            {
                LogNoSpool(_s.Logger, size, _s.Staging.DirectoryPath, "not enough free space");
                return null;
            }

            return _s.Staging.CreateFile(_blockSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or ArgumentException)
        {
            LogNoSpool(_s.Logger, size, _s.Staging.DirectoryPath, e.Message);
            return null;
        }
    }

    /// <summary>What read-ahead may fetch: the base's blocks below the visible base limit (none without a base).</summary>
    internal (BlockSource? Source, long Limit) ReadAheadTarget()
    {
        var b = Volatile.Read(ref _base);
        return b is null ? (null, 0) : (b.Source, Math.Min(Volatile.Read(ref _baseLimit), b.Source.PlainSize));
    }

    /// <summary>Reads up to destination.Length bytes at <paramref name="offset"/>; fewer only at the end of the file.</summary>
    internal async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var size = Size;
        if (offset >= size || destination.IsEmpty)
        {
            return 0;
        }

        var length = (int)Math.Min(destination.Length, size - offset);

        // _local before _base: a commit installs the new base before it clears _local, so a clean state seen here means
        // the base read next is the content (the other order could pair a base being replaced with "no local changes").
        var local = _local;
        var b = Volatile.Read(ref _base);
        if (!local && b is not null && offset + length <= b.Source.PlainSize)
        {
            // No local changes: straight from the base through the caches, no lock.
            await b.Source.ReadAsync(offset, destination[..length], cancellationToken).ConfigureAwait(false);
            return length;
        }

        return await ReadMergedAsync(offset, destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A read of a file with local changes: local blocks under the gate, base ranges after it.</summary>
    private async ValueTask<int> ReadMergedAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var fromBase = new List<(long Offset, int Length)>();
        BlockSource? source;
        int length;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (offset >= _size)
            {
                return 0;
            }

            length = (int)Math.Min(destination.Length, _size - offset);
            source = _base?.Source;
            var buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
            try
            {
                for (var position = offset; position < offset + length;)
                {
                    var index = position / _blockSize;
                    var skip = (int)(position - (index * _blockSize));
                    var take = (int)Math.Min(_blockSize - skip, offset + length - position);
                    var target = destination.Slice((int)(position - offset), take);
                    if (_fill is { } fill && fill.Index == index)
                    {
                        fill.Data.AsSpan(skip, take).CopyTo(target.Span);
                    }
                    else if (_staged.TryGetValue(index, out var staged))
                    {
                        await _staging!.ReadAsync(staged, index, buffer.AsMemory(0, _blockSize), cancellationToken).ConfigureAwait(false);
                        buffer.AsSpan(skip, take).CopyTo(target.Span);
                    }
                    else
                    {
                        // Base bytes below the limit, zeros above it.
                        var baseBytes = (int)Math.Clamp(_baseLimit - position, 0, take);
                        target.Span[baseBytes..].Clear();
                        if (baseBytes > 0)
                        {
                            AddRange(fromBase, position, baseBytes);
                        }
                    }

                    position += take;
                }
            }
            finally
            {
                Array.Clear(buffer, 0, _blockSize);
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        finally
        {
            _gate.Release();
        }

        foreach (var (at, count) in fromBase)
        {
            await source!.ReadAsync(at, destination.Slice((int)(at - offset), count), cancellationToken).ConfigureAwait(false);
        }

        return length;
    }

    /// <summary>Appends a base range, merging it with the previous one when they are contiguous (one read instead of two).</summary>
    private static void AddRange(List<(long Offset, int Length)> ranges, long offset, int length)
    {
        if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length == offset)
        {
            ranges[^1] = (ranges[^1].Offset, ranges[^1].Length + length);
        }
        else
        {
            ranges.Add((offset, length));
        }
    }

    [LoggerMessage(EventId = 1523, Level = LogLevel.Debug, Message = "Page cache fill without a local copy ({Size} bytes in {Directory}): {Reason}")]
    private static partial void LogNoSpool(ILogger logger, long size, string directory, string reason);

    /// <summary>The base of the content: a stored object version and the content type it had.</summary>
    private sealed record BaseObject(BlockSource Source, string? ContentType);

    /// <summary>The block being filled by partial writes: one full block of plaintext in a pooled buffer.</summary>
    private sealed class Fill(long index, byte[] data)
    {
        public long Index { get; } = index;

        public byte[] Data { get; } = data;
    }
}
