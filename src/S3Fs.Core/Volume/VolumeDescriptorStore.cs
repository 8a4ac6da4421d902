using S3Fs.Core.Storage;

namespace S3Fs.Core.Volume;

/// <summary>
/// Finds, creates and updates a volume's descriptor. A mount of a sub-folder of a volume finds the descriptor of
/// the enclosing volume (the mount prefix and each of its ancestors are checked, nearest first), so all files of
/// one volume share one block size however they are mounted.
/// </summary>
public sealed class VolumeDescriptorStore
{
    /// <summary>A descriptor is a few hundred bytes; anything bigger is not ours.</summary>
    private const int MaxDescriptorBytes = 16 * 1024;

    private readonly IObjectStore _store;

    public VolumeDescriptorStore(IObjectStore store)
    {
        _store = store;
    }

    public static string KeyFor(string rootPrefix) => rootPrefix + VolumeDescriptor.InternalFolder + VolumeDescriptor.FileName;

    /// <summary>The descriptor governing <paramref name="mountPrefix"/>, with its root prefix and ETag; null if none.</summary>
    public async ValueTask<(VolumeDescriptor Descriptor, string RootPrefix, ETag ETag)?> FindAsync(string mountPrefix, CancellationToken cancellationToken)
    {
        foreach (var root in CandidateRoots(mountPrefix))
        {
            var found = await TryReadAsync(KeyFor(root), cancellationToken).ConfigureAwait(false);
            if (found is { } f)
            {
                return (f.Descriptor, root, f.ETag);
            }
        }

        return null;
    }

    /// <summary>
    /// Creates the descriptor at <paramref name="rootPrefix"/> unless one appeared meanwhile (another mount won the
    /// race): then that one is returned. Uses If-None-Match where the server honours it.
    /// </summary>
    public async ValueTask<(VolumeDescriptor Descriptor, ETag ETag)> CreateAsync(string rootPrefix, VolumeDescriptor descriptor, CancellationToken cancellationToken)
    {
        var key = KeyFor(rootPrefix);
        try
        {
            var put = await _store.PutAsync(
                new PutRequest(key, descriptor.ToJson())
                {
                    Metadata = new ObjectMetadata { ContentType = "application/json" },
                    Condition = _store.Capabilities.ConditionalCreate ? WriteCondition.IfNoneExists : WriteCondition.None,
                },
                cancellationToken).ConfigureAwait(false);
            return (descriptor, put.ETag);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.PreconditionFailed)
        {
            var existing = await TryReadAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new VolumeException($"s3://{_store.Bucket}/{key} was created concurrently but cannot be read back", e);
            return existing;
        }
    }

    /// <summary>Replaces the descriptor if it is still the version read (If-Match where supported).</summary>
    public async ValueTask<ETag> UpdateAsync(string rootPrefix, VolumeDescriptor descriptor, ETag expected, CancellationToken cancellationToken)
    {
        var put = await _store.PutAsync(
            new PutRequest(KeyFor(rootPrefix), descriptor.ToJson())
            {
                Metadata = new ObjectMetadata { ContentType = "application/json" },
                Condition = _store.Capabilities.ConditionalReplace ? WriteCondition.IfMatches(expected) : WriteCondition.None,
            },
            cancellationToken).ConfigureAwait(false);
        return put.ETag;
    }

    private async ValueTask<(VolumeDescriptor Descriptor, ETag ETag)?> TryReadAsync(string key, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxDescriptorBytes];
        GetRangeResult got;
        try
        {
            got = await _store.GetRangeAsync(new GetRangeRequest(key, new ByteRange(0, MaxDescriptorBytes)), buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Kind is ObjectStoreErrorKind.NotFound or ObjectStoreErrorKind.InvalidRange)
        {
            return null;
        }

        if (got.ObjectSize > MaxDescriptorBytes)
        {
            throw new VolumeException($"s3://{_store.Bucket}/{key} is {got.ObjectSize} bytes; a volume descriptor is a small JSON document");
        }

        return (VolumeDescriptor.Parse(buffer.AsSpan(0, got.BytesRead), $"s3://{_store.Bucket}/{key}"), got.ETag);
    }

    /// <summary>"a/b/c/" → "a/b/c/", "a/b/", "a/", "".</summary>
    internal static IEnumerable<string> CandidateRoots(string mountPrefix)
    {
        var p = mountPrefix;
        while (true)
        {
            yield return p;
            if (p.Length == 0)
            {
                yield break;
            }

            var i = p.LastIndexOf('/', p.Length - 2);
            p = i < 0 ? string.Empty : p[..(i + 1)];
        }
    }
}
