using Microsoft.Extensions.Logging;
using S3Fs.Core.Content;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.FileSystem;

/// <summary>Open files: open, create, read, write, and the uploads that close, fsync and unmount trigger.</summary>
public sealed partial class S3FileSystem
{
    public async ValueTask<OpenReply> OpenAsync(long inode, OpenFlags flags, CancellationToken cancellationToken)
    {
        try
        {
            var node = _inodes.Get(inode);
            if (node.Kind == FileKind.Directory)
            {
                throw new FsException(FsErrorCode.IsADirectory, $"{node} is a directory");
            }

            var writing = (flags & OpenFlags.AccessModeMask) != OpenFlags.ReadOnly || (flags & OpenFlags.Truncate) != 0;
            if (writing)
            {
                CheckWritable();
                await BeginWriterAsync(node).ConfigureAwait(false); // until the handle's release (or a failure below)
            }

            bool keepCache;
            try
            {
                keepCache = await OpenContentAsync(node, flags, cancellationToken).ConfigureAwait(false);
            }
            catch when (writing)
            {
                EndWriter(node);
                throw;
            }

            var handle = new FileHandle(node, flags, writer: writing) { Reader = node.Content!.CreateReader() };
            return new OpenReply(_handles.Add(handle), keepCache, DirectIo: false);
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "open");
        }
    }

    /// <summary>Under the node's gate: the content opened (truncated if asked), the handle counted; whether the kernel may keep its page cache.</summary>
    private async ValueTask<bool> OpenContentAsync(Node node, OpenFlags flags, CancellationToken cancellationToken)
    {
        await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var content = await EnsureContentAsync(node, cancellationToken).ConfigureAwait(false);
            if ((flags & OpenFlags.Truncate) != 0 && content.Size != 0)
            {
                await content.SetSizeAsync(0, cancellationToken).ConfigureAwait(false);
                TouchModified(node);
            }

            // The kernel may keep its page cache when the file is the same version it cached last time.
            var keepCache = !content.IsDirty && content.Base is { } b && b == node.LastOpenedVersion;
            node.LastOpenedVersion = content.Base;
            _inodes.OpenHandle(node);
            return keepCache;
        }
        finally
        {
            node.Gate.Release();
        }
    }

    public async ValueTask<(EntryReply Entry, OpenReply Open)> CreateAsync(long parent, string name, uint mode, OpenFlags flags, RequestContext context, CancellationToken cancellationToken)
    {
        try
        {
            CheckWritable();
            var dir = _inodes.Get(parent);
            RequireDirectory(dir);
            CheckName(name);
            var existing = await ResolveChildAsync(dir, name, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                if ((flags & OpenFlags.Exclusive) != 0 || existing.Kind != FileKind.RegularFile)
                {
                    throw new FsException(FsErrorCode.AlreadyExists, $"'{name}' already exists");
                }

                var reopened = await OpenAsync(existing.Inode, flags, cancellationToken).ConfigureAwait(false);
                _inodes.AddLookup(existing);
                return (Entry(existing), reopened);
            }

            var node = _inodes.GetOrAddChild(dir, name, FileKind.RegularFile);
            var now = _time.GetUtcNow();

            // A writer from here on. The node may be one still open elsewhere whose object another client deleted:
            // a fill of its old bytes must stop before the new content replaces them.
            await BeginWriterAsync(node).ConfigureAwait(false);
            try
            {
                await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                EndWriter(node);
                throw;
            }

            try
            {
                node.Object = null;
                node.Content = _content.CreateNew();
                node.Content.UploadTargetProvider = () => EarlyUploadTarget(node);
                node.Unlinked = false;
                node.LocalChangeTime = now;
                node.PendingAttributes = new PosixAttributes
                {
                    Mode = PosixAttributes.RegularType | (mode & 0xFFFu),
                    Uid = context.Uid,
                    Gid = context.Gid,
                    ATime = now,
                    MTime = now,
                    CTime = now,
                };
                _inodes.OpenHandle(node);
            }
            finally
            {
                node.Gate.Release();
            }

            AddToListing(dir, new ListedChild(name, FileKind.RegularFile, 0, default, now));
            _inodes.AddLookup(node);
            var handle = new FileHandle(node, flags, writer: true) { Reader = node.Content.CreateReader() };
            return (Entry(node), new OpenReply(_handles.Add(handle), KeepCache: false, DirectIo: false));
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "create");
        }
    }

    public async ValueTask<int> ReadAsync(long inode, ulong handle, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var h = _handles.Get<FileHandle>(handle);
        try
        {
            if (h.Node.PageFill is { } fill) // unlocked: a fill that just stopped serves nothing
            {
                var spooled = await fill.TryReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
                if (spooled >= 0)
                {
                    return spooled;
                }

                fill.BeforeRead(offset, destination.Length);
            }

            var read = await h.Reader!.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
            NoteRead(h, offset, read);
            return read;
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "read");
        }
    }

    public async ValueTask<int> WriteAsync(long inode, ulong handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var h = _handles.Get<FileHandle>(handle);
        if (!h.CanWrite)
        {
            throw new FsException(FsErrorCode.BadHandle, $"handle {handle} was opened read-only");
        }

        try
        {
            await h.Node.Content!.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false);
            TouchModified(h.Node);
            return data.Length;
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "write");
        }
    }

    public ValueTask FlushAsync(long inode, ulong handle, CancellationToken cancellationToken) =>
        UploadIfDirtyAsync(_handles.Get<FileHandle>(handle).Node, "close", cancellationToken);

    public ValueTask FsyncAsync(long inode, ulong handle, bool dataOnly, CancellationToken cancellationToken) =>
        UploadIfDirtyAsync(_handles.Get<FileHandle>(handle).Node, "fsync", cancellationToken);

    public async ValueTask ReleaseAsync(long inode, ulong handle, CancellationToken cancellationToken)
    {
        var h = _handles.Remove<FileHandle>(handle);
        h.Reader?.Dispose();
        var node = h.Node;
        if (h.Writer)
        {
            EndWriter(node);
        }

        await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_inodes.CloseHandle(node) || node.Content is null)
            {
                return;
            }

            await StopPageFillAsync(node).ConfigureAwait(false);

            if (node.Unlinked || !node.Content.IsDirty)
            {
                await node.Content.DisposeAsync().ConfigureAwait(false);
                node.Content = null;
                return;
            }

            // The last close left changes S3 has not confirmed (close already reported EIO). Keep them and retry
            // in the background; unmount retries too and reports what never got through.
            LogUploadPending(_logger, ObjectKeyOf(node));
            _pendingUploads.Signal();
        }
        finally
        {
            node.Gate.Release();
        }
    }

    public async ValueTask FlushAllAsync(CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        foreach (var node in _inodes.NodesWithContent())
        {
            try
            {
                await UploadIfDirtyAsync(node, "unmount", cancellationToken).ConfigureAwait(false);
            }
            catch (FsException)
            {
                failed.Add(SafeKeyOf(node));
            }
        }

        if (failed.Count > 0)
        {
            throw new FsException(FsErrorCode.IoError, $"{failed.Count} file(s) could not be uploaded: {string.Join(", ", failed.Take(10))}", level: LogLevel.Error);
        }
    }

    /// <summary>Uploads a dirty file and records the stored version. Returns only after S3 confirmed.</summary>
    private async ValueTask UploadIfDirtyAsync(Node node, string reason, CancellationToken cancellationToken)
    {
        await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await UploadLockedAsync(node, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var translated = ErrorMapping.Translate(e, reason);
            if (translated is FsException fs)
            {
                LogUploadFailed(_logger, SafeKeyOf(node), reason, fs.Message);
                throw new FsException(FsErrorCode.IoError, $"{reason}: upload of '{SafeKeyOf(node)}' failed; the data is kept and will be retried: {fs.Message}", fs, LogLevel.Error);
            }

            throw translated;
        }
        finally
        {
            node.Gate.Release();
        }
    }

    /// <summary>Call with <see cref="Node.Gate"/> held.</summary>
    private async ValueTask UploadLockedAsync(Node node, string reason, CancellationToken cancellationToken)
    {
        var content = node.Content;
        if (content is null || node.Unlinked || (!content.IsDirty && node.PendingAttributes is null))
        {
            return;
        }

        var key = ObjectKeyOf(node);
        var attributes = MergedAttributes(node);
        var stored = await content.UploadAsync(key, attributes, cancellationToken).ConfigureAwait(false);
        node.Object = ObjectState.FromInfo(stored);
        node.PendingAttributes = null;
        node.LastOpenedVersion = stored.Version;
        if (node.Parent is { } parent)
        {
            AddToListing(parent, new ListedChild(node.Name, node.Kind, stored.Size, stored.ETag, stored.LastModified) { ObjectKey = key });
        }

        LogUploaded(_logger, key, reason, stored.Size);
        if (node.OpenHandles == 0)
        {
            await content.DisposeAsync().ConfigureAwait(false);
            node.Content = null;
        }
    }

    /// <summary>Stored non-content metadata with local changes applied: what an upload or a metadata copy writes.</summary>
    private Dictionary<string, string> MergedAttributes(Node node)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.Object?.Metadata is { } md)
        {
            foreach (var (k, v) in md.UserMetadata)
            {
                if (!_content.IsContentMetadata(k))
                {
                    result[k] = v;
                }
            }
        }

        var pending = node.PendingAttributes;
        if (pending is not null)
        {
            var stored = PosixAttributes.Parse(result);
            var merged = stored with
            {
                Mode = pending.Mode ?? stored.Mode,
                Uid = pending.Uid ?? stored.Uid,
                Gid = pending.Gid ?? stored.Gid,
                ATime = pending.ATime ?? stored.ATime,
                MTime = pending.MTime ?? stored.MTime,
                CTime = pending.CTime ?? stored.CTime,
                XAttrs = pending.XAttrs.Count > 0 || node.XAttrsChanged ? pending.XAttrs : stored.XAttrs,
            };
            merged.WriteTo(result);
        }

        return result;
    }

    /// <summary>Call with <see cref="Node.Gate"/> held: the node's content, opened from S3 if needed.</summary>
    private async ValueTask<IFileContent> EnsureContentAsync(Node node, CancellationToken cancellationToken)
    {
        if (node.Content is not null)
        {
            return node.Content;
        }

        if (node.Object is null || node.Unlinked)
        {
            throw new FsException(FsErrorCode.NotFound, $"{node} no longer exists");
        }

        var head = node.Object.Metadata is null
            ? await _content.HeadAsync(node.Object.Key, node.Object.ObjectSize, cancellationToken).ConfigureAwait(false)
                ?? throw FsException.NotFound($"'{node.Object.Key}' (deleted by another client)")
            : new ObjectInfo(node.Object.Key, node.Object.ObjectSize, node.Object.ETag, node.Object.LastModified, node.Object.Metadata);
        node.Object = ObjectState.FromInfo(head);
        node.Content = await _content.OpenAsync(head, cancellationToken).ConfigureAwait(false);
        node.Content.UploadTargetProvider = () => EarlyUploadTarget(node);
        return node.Content;
    }

    /// <summary>
    /// Where a large file being written would be uploaded if its upload started now (the content layer asks while the
    /// file is written, to start a multipart upload early). Called without the node's gate: it reads the node's
    /// object and pending attributes as they are at that moment, and the later upload on close checks the key again.
    /// </summary>
    private UploadTarget? EarlyUploadTarget(Node node)
    {
        if (node.Unlinked || node.Kind != FileKind.RegularFile || node.Parent is null)
        {
            return null;
        }

        try
        {
            return new UploadTarget(ObjectKeyOf(node), MergedAttributes(node));
        }
        catch (FsException)
        {
            return null; // detached meanwhile
        }
    }

    private void TouchModified(Node node)
    {
        var now = _time.GetUtcNow();
        node.LocalChangeTime = now;
        node.PendingAttributes = (node.PendingAttributes ?? new PosixAttributes()) with { MTime = now, CTime = now };
    }

    private string SafeKeyOf(Node node)
    {
        try
        {
            return ObjectKeyOf(node);
        }
        catch (FsException)
        {
            return node.Name;
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "Uploaded {Key} on {Reason} ({Size} bytes stored)")]
    private static partial void LogUploaded(ILogger logger, string key, string reason, long size);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Upload of {Key} on {Reason} failed; the data is kept and retried: {Error}")]
    private static partial void LogUploadFailed(ILogger logger, string key, string reason, string error);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "{Key} was closed with changes S3 has not confirmed; retrying in the background")]
    private static partial void LogUploadPending(ILogger logger, string key);
}
