using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Core.Content.Caching;
using S3Fs.Core.Content.Writing;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Content;

/// <summary>
/// The content layer of one mounted volume (see docs/ARCHITECTURE.md, "Read path", "Write path", "Caches"): opens
/// objects into <see cref="FileContent"/>s, in the volume's format or, for objects written by other tools, as plain
/// bytes; owns what all files share (block caches, staging area, limits). In an encrypting volume every upload is
/// sealed in format v1; plain objects stay readable. Dispose it at unmount, after the filesystem.
/// </summary>
public sealed class ContentStore : IContentStore, IAsyncDisposable
{
    private readonly ContentServices _s;
    private readonly BlockLayout _volumeLayout;

    public ContentStore(IObjectStore store, ContentOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        options.Validate(store.Capabilities);
        logger ??= NullLogger.Instance;
        var disk = options.DiskCacheDirectory is { } dir ? new DiskBlockCache(dir, options.DiskCacheSize, logger) : null;
        _s = new ContentServices(store, options, disk, new StagingArea(options.EffectiveStagingDirectory), logger, time ?? TimeProvider.System);
        _volumeLayout = BlockLayout.ForBlockSize(options.BlockSize);
    }

    /// <summary>Counters of the caches, for <c>s3cfs stats</c>.</summary>
    public CacheStatistics Statistics => new(
        _s.Cache.Hits,
        _s.Cache.Misses,
        _s.Cache.UsedBytes,
        _s.Cache.Capacity,
        _s.Cache.Evictions);

    /// <summary>The memory block cache (statistics, tests).</summary>
    internal BlockCache Cache => _s.Cache;

    /// <summary>The disk block cache, if configured.</summary>
    internal DiskBlockCache? DiskCache => _s.Disk;

    internal StagingArea Staging => _s.Staging;

    internal ContentServices Services => _s;

    public long SizeOf(long objectSize, ObjectMetadata? metadata)
    {
        if (metadata is null)
        {
            // From a listing: an encrypting volume's objects are sealed with the volume's block size, and a size no
            // sealed body can have belongs to a plain object.
            return _s.Options.Encrypting && _volumeLayout.TryPlainSizeFromCipherSize(objectSize, out var plain) ? plain : objectSize;
        }

        if (!EnvelopeCodec.HasEnvelope(metadata.UserMetadata))
        {
            return objectSize;
        }

        // The envelope's block size decides; a malformed envelope shows the stored size (opening it reports why).
        var blockSize = metadata.UserMetadata.FirstOrDefault(p => string.Equals(p.Key, MetadataKeys.BlockSize, StringComparison.OrdinalIgnoreCase)).Value;
        return int.TryParse(blockSize, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var b)
            && BlockLayout.IsValidBlockSize(b)
            && BlockLayout.ForBlockSize(b).TryPlainSizeFromCipherSize(objectSize, out var size)
                ? size
                : objectSize;
    }

    public async ValueTask<IFileContent> OpenAsync(ObjectInfo head, CancellationToken cancellationToken)
    {
        var metadata = head.Metadata.UserMetadata;
        if (!EnvelopeCodec.HasEnvelope(metadata))
        {
            return new FileContent(_s, head, new PlainBlockFormat(_s.Options.BlockSize), head.Size);
        }

        var factory = _s.Options.Ciphers ?? throw new FsException(
            FsErrorCode.KeyUnavailable,
            $"'{head.Key}' is encrypted (it has an S3Fs envelope), but this volume is mounted with encryption = none; mount it with its key to read it",
            level: LogLevel.Warning);
        Crypto.FileCipher cipher;
        try
        {
            cipher = await factory.OpenAsync(metadata, head.Key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ContentErrors.FromOpen(head.Key, e) is { } mapped)
        {
            throw mapped;
        }

        if (!cipher.Layout.TryPlainSizeFromCipherSize(head.Size, out var plainSize))
        {
            cipher.Dispose();
            throw ContentErrors.IntegrityDetail(
                head.Key,
                $"the object has {head.Size} bytes, which no body sealed with {cipher.Layout.PlainBlockSize}-byte blocks has (truncated or extended).");
        }

        return new FileContent(_s, head, new SealedBlockFormat(cipher), plainSize);
    }

    public IFileContent CreateNew() => new FileContent(_s);

    public bool IsContentMetadata(string name) => FileContent.IsContentMetadata(name);

    public async ValueTask DisposeAsync()
    {
        if (_s.Disk is { } disk)
        {
            await disk.DisposeAsync().ConfigureAwait(false);
        }

        _s.Staging.Dispose();
        _s.Cache.Clear();
    }
}
