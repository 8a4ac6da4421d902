using System.Buffers;
using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse;

/// <summary>Open files and directories: open/create, read, write, flush, fsync, release, readdir(plus).</summary>
internal sealed partial class FuseOperations
{
    private async Task OpenAsync(FuseRequest q, long inode, OpenFlags flags)
    {
        try
        {
            var open = await _fs.OpenAsync(inode, flags, q.Token).ConfigureAwait(false);
            if (q.ReplyOpen(AttributeConverter.ToOpenOut(open)) != 0)
            {
                // open(2) was interrupted and the kernel dropped our answer: nobody will ever release this handle.
                Log.ReplyRefused(_logger, q.Opcode, q.Inode);
                _ = ReleaseOrphanAsync(inode, open.Handle, directory: false);
            }
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task CreateAsync(FuseRequest q, long parent, string name, uint mode, OpenFlags flags, RequestContext context)
    {
        try
        {
            var (entry, open) = await _fs.CreateAsync(parent, name, mode, flags, context, q.Token).ConfigureAwait(false);
            if (q.ReplyCreate(AttributeConverter.ToEntry(entry), AttributeConverter.ToOpenOut(open)) != 0)
            {
                Log.ReplyRefused(_logger, q.Opcode, q.Inode);
                Forget((ulong)entry.Inode, 1);
                _ = ReleaseOrphanAsync(entry.Inode, open.Handle, directory: false);
            }
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task ReadAsync(FuseRequest q, long inode, ulong handle, long offset, int size)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            int read = await _fs.ReadAsync(inode, handle, offset, buffer.AsMemory(0, size), q.Token).ConfigureAwait(false);
            if (read < 0 || read > size)
            {
                throw new InvalidOperationException($"ReadAsync returned {read} for a {size}-byte buffer");
            }

            q.ReplyBuffer(buffer.AsSpan(0, read));
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes <paramref name="payload"/>: a pooled copy of the kernel's buffer, owned by this method and returned to the pool when the write ends.</summary>
    private async Task WriteAsync(FuseRequest q, long inode, ulong handle, long offset, byte[] payload, int length)
    {
        try
        {
            int written = await _fs.WriteAsync(inode, handle, offset, payload.AsMemory(0, length), q.Token).ConfigureAwait(false);
            q.ReplyWrite(written);
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    private async Task FlushAsync(FuseRequest q, long inode, ulong handle)
    {
        try
        {
            await _fs.FlushAsync(inode, handle, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task ReleaseAsync(FuseRequest q, long inode, ulong handle)
    {
        try
        {
            await _fs.ReleaseAsync(inode, handle, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task FsyncAsync(FuseRequest q, long inode, ulong handle, bool dataOnly)
    {
        try
        {
            await _fs.FsyncAsync(inode, handle, dataOnly, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task OpenDirAsync(FuseRequest q, long inode)
    {
        try
        {
            var open = await _fs.OpenDirAsync(inode, q.Token).ConfigureAwait(false);
            if (q.ReplyOpen(AttributeConverter.ToOpenDirOut(open)) != 0)
            {
                Log.ReplyRefused(_logger, q.Opcode, q.Inode);
                _ = ReleaseOrphanAsync(inode, open.Handle, directory: true);
            }
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    /// <summary>readdir and readdirplus: the kernel resumes from the NextOffset of the last entry it received.</summary>
    private async Task ReadDirAsync(FuseRequest q, long inode, ulong handle, long offset, int size, bool plus)
    {
        using var buffer = new DirectoryReplyBuffer(q.Handle, size, plus);
        try
        {
            await _fs.ReadDirAsync(inode, handle, offset, buffer, q.Token).ConfigureAwait(false);
            if (q.ReplyBuffer(buffer.Seal()) != 0)
            {
                Log.ReplyRefused(_logger, q.Opcode, q.Inode);
                ForgetCounted(buffer);
            }
        }
        catch (Exception ex)
        {
            buffer.Seal();
            ForgetCounted(buffer);
            Fail(q, ex);
        }
    }

    private async Task ReleaseDirAsync(FuseRequest q, long inode, ulong handle)
    {
        try
        {
            await _fs.ReleaseDirAsync(inode, handle, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    /// <summary>Entries the core counted as lookups never reached the kernel: give the references back.</summary>
    private void ForgetCounted(DirectoryReplyBuffer buffer)
    {
        foreach (long counted in buffer.CountedInodes)
        {
            Forget((ulong)counted, 1);
        }
    }

    private async Task ReleaseOrphanAsync(long inode, ulong handle, bool directory)
    {
        try
        {
            if (directory)
            {
                await _fs.ReleaseDirAsync(inode, handle, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await _fs.ReleaseAsync(inode, handle, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Log.UnexpectedFailure(_logger, ex, directory ? Interop.Shim.Opcode.ReleaseDir : Interop.Shim.Opcode.Release, inode);
        }
    }
}
