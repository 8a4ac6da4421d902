using System.Buffers;
using S3Fs.Core.FileSystem;

namespace S3Fs.Dokan;

/// <summary>File data: read and write at offsets, flush, end of file and allocation size.</summary>
public sealed partial class DokanOperations
{
    /// <summary>
    /// ReadFile: fills <paramref name="buffer"/> from <paramref name="offset"/>; fewer bytes only at the end of the
    /// file (0 at or past it, with STATUS_SUCCESS, as NTFS answers paging reads and Dokan's mirror answers all reads).
    /// </summary>
    public NtStatus ReadFile(string fileName, Span<byte> buffer, out int bytesRead, long offset, DokanFileInfo info)
    {
        bytesRead = 0;
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        if (file.IsDirectory)
        {
            return NtStatus.InvalidDeviceRequest;
        }

        if (offset < 0)
        {
            return NtStatus.InvalidParameter;
        }

        // The core reads into managed memory; plaintext goes back to the pool cleared.
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var length = buffer.Length;
            var read = 0;
            var status = Run(nameof(ReadFile), fileName, info, async ct =>
            {
                var handle = await EnsureCoreHandleAsync(file, truncate: false, ct).ConfigureAwait(false);
                read = await ReadFullyAsync(file.Inode, handle, offset, rented.AsMemory(0, length), ct).ConfigureAwait(false);
                return NtStatus.Success;
            });
            if (status == NtStatus.Success)
            {
                rented.AsSpan(0, read).CopyTo(buffer);
                bytesRead = read;
            }

            return status;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>
    /// WriteFile: writes <paramref name="data"/> at <paramref name="offset"/>, or at the end of the file for
    /// <see cref="DokanFileInfo.WriteToEndOfFile"/>. Paging writes (the cache manager flushing mapped pages) never
    /// extend the file: what lies beyond the end is dropped, as Windows requires.
    /// </summary>
    public NtStatus WriteFile(string fileName, ReadOnlySpan<byte> data, out int bytesWritten, long offset, DokanFileInfo info)
    {
        bytesWritten = 0;
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        if (file.IsDirectory)
        {
            return NtStatus.InvalidDeviceRequest;
        }

        if (_options.ReadOnly || file.IsLinkPlaceholder)
        {
            return _options.ReadOnly ? NtStatus.MediaWriteProtected : NtStatus.AccessDenied;
        }

        if (offset < 0 && !info.WriteToEndOfFile)
        {
            return NtStatus.InvalidParameter;
        }

        // The core may keep the buffer it is given: it gets its own copy, not the driver's memory or a pooled array.
        var copy = data.ToArray();
        var written = 0;
        var status = Run(nameof(WriteFile), fileName, info, async ct =>
        {
            var handle = await EnsureCoreHandleAsync(file, truncate: false, ct).ConfigureAwait(false);
            if (!info.WriteToEndOfFile && !info.PagingIo)
            {
                await _fs.WriteAsync(file.Inode, handle, offset, copy, ct).ConfigureAwait(false);
                file.Dirty = true;
                written = copy.Length;
                return NtStatus.Success;
            }

            // Reading the size and writing must not interleave with another append through this handle.
            await file.Gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var size = (await _fs.GetAttrAsync(file.Inode, ct).ConfigureAwait(false)).Size;
                var at = info.WriteToEndOfFile ? size : offset;
                var count = copy.Length;
                if (info.PagingIo)
                {
                    count = at >= size ? 0 : (int)Math.Min(count, size - at);
                }

                if (count > 0)
                {
                    await _fs.WriteAsync(file.Inode, handle, at, copy.AsMemory(0, count), ct).ConfigureAwait(false);
                    file.Dirty = true;
                }

                written = count;
                return NtStatus.Success;
            }
            finally
            {
                file.Gate.Release();
            }
        });
        bytesWritten = written;
        return status;
    }

    /// <summary>FlushFileBuffers: returns only once S3 confirmed every change of the file (fsync), or the failure.</summary>
    public NtStatus FlushFileBuffers(string fileName, DokanFileInfo info)
    {
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        return Run(nameof(FlushFileBuffers), fileName, info, async ct =>
        {
            if (file.CoreHandle is { } handle)
            {
                await _fs.FsyncAsync(file.Inode, handle, dataOnly: false, ct).ConfigureAwait(false);
                file.Dirty = false;
            }

            return NtStatus.Success;
        });
    }

    /// <summary>SetEndOfFile: truncates or extends (with zeros) to <paramref name="length"/>.</summary>
    public NtStatus SetEndOfFile(string fileName, long length, DokanFileInfo info)
    {
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        return Run(nameof(SetEndOfFile), fileName, info, ct => SetSizeAsync(file, length, ct));
    }

    /// <summary>
    /// SetAllocationSize: a hint about the space to reserve. S3 reserves nothing, so only an allocation below the
    /// current size has an effect: Windows requires the file to be cut to it.
    /// </summary>
    public NtStatus SetAllocationSize(string fileName, long length, DokanFileInfo info)
    {
        if (Find(info) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        return Run(nameof(SetAllocationSize), fileName, info, async ct =>
        {
            if (file.IsDirectory || length < 0)
            {
                return file.IsDirectory ? NtStatus.InvalidDeviceRequest : NtStatus.InvalidParameter;
            }

            var size = (await _fs.GetAttrAsync(file.Inode, ct).ConfigureAwait(false)).Size;
            return length < size ? await SetSizeAsync(file, length, ct).ConfigureAwait(false) : NtStatus.Success;
        });
    }

    private async ValueTask<NtStatus> SetSizeAsync(OpenFile file, long length, CancellationToken ct)
    {
        if (file.IsDirectory)
        {
            return NtStatus.InvalidDeviceRequest;
        }

        if (length < 0)
        {
            return NtStatus.InvalidParameter;
        }

        if (_options.ReadOnly || file.IsLinkPlaceholder)
        {
            return _options.ReadOnly ? NtStatus.MediaWriteProtected : NtStatus.AccessDenied;
        }

        var handle = await EnsureCoreHandleAsync(file, truncate: false, ct).ConfigureAwait(false);
        await _fs.SetAttrAsync(file.Inode, new SetAttrRequest { Size = length }, handle, RequestContext.Root, ct).ConfigureAwait(false);
        file.Dirty = true;
        return NtStatus.Success;
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the file ends (the core returns short reads only at the end).</summary>
    private async ValueTask<int> ReadFullyAsync(long inode, ulong handle, long offset, Memory<byte> destination, CancellationToken ct)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = await _fs.ReadAsync(inode, handle, offset + total, destination[total..], ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
