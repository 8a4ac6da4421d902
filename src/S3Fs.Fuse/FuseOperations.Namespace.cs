using System.Text;
using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse;

/// <summary>Name, attribute, link, statfs and xattr requests (one small async handler per FUSE operation).</summary>
internal sealed partial class FuseOperations
{
    private async Task LookupAsync(FuseRequest q, long parent, string name)
    {
        try
        {
            ReplyEntry(q, await _fs.LookupAsync(parent, name, q.Token).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task GetAttrAsync(FuseRequest q, long inode)
    {
        try
        {
            var attributes = await _fs.GetAttrAsync(inode, q.Token).ConfigureAwait(false);
            q.ReplyAttr(AttributeConverter.ToAttr(attributes), _options.AttrTimeout.TotalSeconds);
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task SetAttrAsync(FuseRequest q, long inode, SetAttrRequest request, ulong? handle, RequestContext context)
    {
        try
        {
            var attributes = await _fs.SetAttrAsync(inode, request, handle, context, q.Token).ConfigureAwait(false);
            q.ReplyAttr(AttributeConverter.ToAttr(attributes), _options.AttrTimeout.TotalSeconds);
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task ReadLinkAsync(FuseRequest q, long inode)
    {
        try
        {
            q.ReplyReadLink(await _fs.ReadLinkAsync(inode, q.Token).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    /// <summary>mknod(2) of a regular file is create + release; S3 has no devices, FIFOs or sockets.</summary>
    private async Task MkNodAsync(FuseRequest q, long parent, string name, uint mode, RequestContext context)
    {
        try
        {
            if ((mode & AttributeConverter.S_IFMT) != AttributeConverter.S_IFREG)
            {
                throw new FuseErrnoException(Errno.EPERM, "only regular files can be created with mknod");
            }

            var (entry, open) = await _fs.CreateAsync(
                parent, name, mode & AttributeConverter.PermissionMask, OpenFlags.ReadOnly | OpenFlags.Create | OpenFlags.Exclusive, context, q.Token).ConfigureAwait(false);
            await _fs.ReleaseAsync(entry.Inode, open.Handle, q.Token).ConfigureAwait(false);
            ReplyEntry(q, entry);
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task MkDirAsync(FuseRequest q, long parent, string name, uint mode, RequestContext context)
    {
        try
        {
            ReplyEntry(q, await _fs.MkDirAsync(parent, name, mode, context, q.Token).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task UnlinkAsync(FuseRequest q, long parent, string name)
    {
        try
        {
            await _fs.UnlinkAsync(parent, name, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task RmDirAsync(FuseRequest q, long parent, string name)
    {
        try
        {
            await _fs.RmDirAsync(parent, name, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task SymlinkAsync(FuseRequest q, string target, long parent, string name, RequestContext context)
    {
        try
        {
            ReplyEntry(q, await _fs.SymlinkAsync(target, parent, name, context, q.Token).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task RenameAsync(FuseRequest q, long parent, string name, long newParent, string newName, RenameFlags flags)
    {
        try
        {
            await _fs.RenameAsync(parent, name, newParent, newName, flags, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (FsException ex) when (ex.Code == FsErrorCode.NotSupported && flags != RenameFlags.None)
        {
            // renameat2(2): a flag the filesystem does not support is EINVAL, not EOPNOTSUPP.
            Fail(q, new FuseErrnoException(Errno.EINVAL, ex.Message));
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task LinkAsync(FuseRequest q, long inode, long newParent, string newName)
    {
        try
        {
            ReplyEntry(q, await _fs.LinkAsync(inode, newParent, newName, q.Token).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task StatFsAsync(FuseRequest q, long inode)
    {
        try
        {
            q.ReplyStatFs(AttributeConverter.ToStatFs(await _fs.StatFsAsync(inode, q.Token).ConfigureAwait(false)));
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task SetXAttrAsync(FuseRequest q, long inode, string name, byte[] value, XAttrFlags flags)
    {
        try
        {
            await _fs.SetXAttrAsync(inode, name, value, flags, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task GetXAttrAsync(FuseRequest q, long inode, string name, ulong size)
    {
        try
        {
            byte[] value = await _fs.GetXAttrAsync(inode, name, q.Token).ConfigureAwait(false);
            ReplySized(q, value, size);
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task ListXAttrAsync(FuseRequest q, long inode, ulong size)
    {
        try
        {
            var names = await _fs.ListXAttrAsync(inode, q.Token).ConfigureAwait(false);

            // listxattr(2) format: each name followed by a NUL.
            int total = 0;
            foreach (string name in names)
            {
                total += Encoding.UTF8.GetByteCount(name) + 1;
            }

            byte[] list = new byte[total];
            int at = 0;
            foreach (string name in names)
            {
                at += Encoding.UTF8.GetBytes(name, list.AsSpan(at));
                list[at++] = 0;
            }

            ReplySized(q, list, size);
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    private async Task RemoveXAttrAsync(FuseRequest q, long inode, string name)
    {
        try
        {
            await _fs.RemoveXAttrAsync(inode, name, q.Token).ConfigureAwait(false);
            q.ReplyOk();
        }
        catch (Exception ex)
        {
            Fail(q, ex);
        }
    }

    /// <summary>
    /// The xattr size-probe protocol: a caller asking with size 0 wants the length; a buffer too small for the
    /// value is ERANGE; otherwise the value itself.
    /// </summary>
    private static void ReplySized(FuseRequest q, byte[] value, ulong size)
    {
        if (size == 0)
        {
            q.ReplyXAttrSize(value.Length);
        }
        else if ((ulong)value.Length > size)
        {
            q.ReplyError(Errno.ERANGE);
        }
        else
        {
            q.ReplyBuffer(value);
        }
    }
}
