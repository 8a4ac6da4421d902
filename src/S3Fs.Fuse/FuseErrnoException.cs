namespace S3Fs.Fuse;

/// <summary>
/// An answer the adapter itself decides (a name that is not UTF-8, an unknown rename flag, mknod of a device)
/// before or instead of asking the core; carries the errno directly.
/// </summary>
internal sealed class FuseErrnoException : Exception
{
    public FuseErrnoException(int errno, string message)
        : base(message)
    {
        Errno = errno;
    }

    public int Errno { get; }
}
