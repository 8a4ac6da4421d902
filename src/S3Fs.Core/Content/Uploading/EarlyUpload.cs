using S3Fs.Core.FileSystem;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content.Uploading;

/// <summary>
/// The multipart upload of a large new file, started while the file is still being written sequentially: each time
/// a part's worth of full, non-final blocks is staged, that part is sent in the background, so the close only has to
/// send the tail and complete. The owner (<see cref="FileContent"/>) hands over parts in order, pins their staging
/// slots, and invalidates the upload when a write or truncation touches a block already handed over (or the key
/// changes): the upload is then aborted and the close uploads normally from staging, which still holds everything.
/// The object's metadata is fixed when the upload starts; see <see cref="ContentOptions.EarlyUploadVolatileAttributes"/>
/// for what happens when attributes change meanwhile.
/// </summary>
internal sealed class EarlyUpload : IDisposable
{
    private readonly ContentServices _s;
    private readonly Uploader _uploader;
    private readonly Task<BlockFormat> _target;
    private readonly Func<BlockFormat, ObjectMetadata> _metadataFor;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _parallel;
    private readonly List<(PlannedPart Part, Task<UploadedPart> Sent)> _parts = [];
    private readonly Task<IMultipartUpload> _start;
    private bool _ended;

    public EarlyUpload(ContentServices services, Uploader uploader, string key, IReadOnlyDictionary<string, string> attributes, Task<BlockFormat> target, Func<BlockFormat, ObjectMetadata> metadataFor)
    {
        _s = services;
        _uploader = uploader;
        Key = key;
        Attributes = attributes;
        _target = target;
        _metadataFor = metadataFor;
        _parallel = new SemaphoreSlim(services.Options.UploadParallelism);
        _start = StartAsync();
    }

    public string Key { get; }

    /// <summary>The attributes the upload was started with.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }

    /// <summary>The metadata stored with the object (known once the upload started).</summary>
    public ObjectMetadata? Metadata { get; private set; }

    /// <summary>Blocks [0, CommittedBlocks) are handed to parts.</summary>
    public long CommittedBlocks { get; private set; }

    public bool Invalid { get; private set; }

    /// <summary>Parts handed over so far.</summary>
    public int PartCount => _parts.Count;

    /// <summary>Staging slots the parts read; the owner unpins them when this upload is finished or abandoned.</summary>
    public List<int> PinnedSlots { get; } = [];

    /// <summary>Sends blocks [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="snapshot"/> (staged, non-final) as the next part.</summary>
    public void AddPart(ContentSnapshot snapshot, long first, long end, int storedBlockSize)
    {
        if (first != CommittedBlocks)
        {
            throw new InvalidOperationException($"Early-upload parts must be handed over in order: expected block {CommittedBlocks}, got {first}.");
        }

        var part = new PlannedPart(_parts.Count + 1, PartSource.Upload, first, end, first * storedBlockSize, (end - first) * storedBlockSize);
        _parts.Add((part, SendAsync(snapshot, part, _stop.Token)));
        CommittedBlocks = end;
    }

    /// <summary>Stops sending; the owner later awaits <see cref="AbortAsync"/>.</summary>
    public void Invalidate()
    {
        if (!Invalid)
        {
            Invalid = true;
            _stop.Cancel();
        }
    }

    /// <summary>
    /// Sends the tail (blocks from <see cref="CommittedBlocks"/> to the end of <paramref name="snapshot"/>) and completes.
    /// Null when this upload cannot be used (invalidated, or a request failed): it is then aborted and the caller
    /// uploads normally.
    /// </summary>
    public async Task<PutResult?> FinishAsync(ContentSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (Invalid || snapshot.Size <= CommittedBlocks * snapshot.BlockSize)
        {
            return null;
        }

        IMultipartUpload upload;
        try
        {
            upload = await _start.ConfigureAwait(false);
            snapshot.Target = await _target.ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectStoreException or FsException or OperationCanceledException)
        {
            return null;
        }

        try
        {
            var tail = TailParts(snapshot);
            var sent = await _uploader.SendPartsAsync(upload, snapshot, tail, cancellationToken).ConfigureAwait(false);
            await Uploader.WhenAllAsync(_parts.Select(p => (Task)p.Sent).ToList()).ConfigureAwait(false);
            var all = new List<UploadedPart>(_parts.Count + sent.Length);
            foreach (var (_, early) in _parts)
            {
                all.Add(await early.ConfigureAwait(false));
            }

            all.AddRange(sent);
            var put = await upload.CompleteAsync(all, cancellationToken).ConfigureAwait(false);
            _ended = true;
            return put;
        }
        catch (Exception e) when (e is ObjectStoreException or FsException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            await AbortAsync().ConfigureAwait(false);
            return null;
        }
        catch
        {
            await AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops, waits for requests in flight, and aborts the multipart upload if it was started. Once only; nothing after it completed.</summary>
    public async Task AbortAsync()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        Invalidate();
        foreach (var (_, sent) in _parts)
        {
            try
            {
                await sent.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Cancelled or failed: either way the upload is aborted below.
            }
        }

        IMultipartUpload upload;
        try
        {
            upload = await _start.ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectStoreException or FsException or OperationCanceledException)
        {
            return;
        }

        await ObjectCopier.AbortQuietlyAsync(upload).ConfigureAwait(false);
    }

    /// <summary>Call after <see cref="FinishAsync"/> or <see cref="AbortAsync"/> returned (nothing is in flight then).</summary>
    public void Dispose()
    {
        _stop.Dispose();
        _parallel.Dispose();
    }

    private async Task<IMultipartUpload> StartAsync()
    {
        await Task.Yield();
        var target = await _target.ConfigureAwait(false);
        Metadata = _metadataFor(target);
        return await _s.Store.StartMultipartUploadAsync(new MultipartUploadRequest(Key) { Metadata = Metadata }, _stop.Token).ConfigureAwait(false);
    }

    private async Task<UploadedPart> SendAsync(ContentSnapshot snapshot, PlannedPart part, CancellationToken cancellationToken)
    {
        var upload = await _start.ConfigureAwait(false);
        snapshot.Target = await _target.ConfigureAwait(false);
        await _parallel.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _uploader.SendPartAsync(upload, snapshot, part, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _parallel.Release();
        }
    }

    /// <summary>Parts of <see cref="ContentOptions.UploadPartSize"/> from the committed blocks to the end; a short remainder joins the last.</summary>
    private List<PlannedPart> TailParts(ContentSnapshot snapshot)
    {
        var target = snapshot.Target;
        var count = snapshot.BlockCount;
        var capabilities = _s.Store.Capabilities;
        var remainingParts = Math.Max(1, capabilities.MaxParts - _parts.Count);
        var remainingBytes = target.StoredLengthOf(CommittedBlocks, count, snapshot.Size);
        var partBytes = Math.Max(_s.Options.UploadPartSize, (remainingBytes + remainingParts - 1) / remainingParts);
        var perPart = Math.Max(1, (partBytes + target.StoredBlockSize - 1) / target.StoredBlockSize);
        var min = capabilities.MinPartSize;
        var parts = new List<PlannedPart>();
        for (var a = CommittedBlocks; a < count;)
        {
            var b = Math.Min(count, a + perPart);
            if (b < count && target.StoredLengthOf(b, count, snapshot.Size) < min)
            {
                b = count;
            }

            parts.Add(new PlannedPart(_parts.Count + parts.Count + 1, PartSource.Upload, a, b, target.StoredOffsetOf(a), target.StoredLengthOf(a, b, snapshot.Size)));
            a = b;
        }

        return parts;
    }
}
