namespace S3Fs.Fuse;

/// <summary>
/// FUSE cannot be used in this process: not Linux, or the native shim (libs3fs_fuse.so) or libfuse3 is missing
/// or stale. The message says what to install or build.
/// </summary>
public sealed class FuseUnavailableException : Exception
{
    public FuseUnavailableException(string message)
        : base(message)
    {
    }
}

/// <summary>The kernel or libfuse refused the mount; the message quotes libfuse's reason when it gave one.</summary>
public sealed class FuseMountException : Exception
{
    public FuseMountException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
