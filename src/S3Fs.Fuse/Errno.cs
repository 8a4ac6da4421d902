namespace S3Fs.Fuse;

/// <summary>
/// The Linux errno values the adapter answers with (asm-generic/errno-base.h and errno.h; identical on x86-64
/// and arm64). The BCL has no errno constants, and naming them keeps the mapping readable.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ERANGE = 34;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ENODATA = 61;
    public const int EILSEQ = 84;
    public const int EOPNOTSUPP = 95;
    public const int ENOKEY = 126;
}
