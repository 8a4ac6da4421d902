using System.Runtime.InteropServices;

namespace S3Fs.Fuse;

/// <summary>
/// Owns one native <c>s3fs_fuse_session</c>. Releasing it unmounts (if still mounted), runs libfuse's DESTROY
/// and frees the session. <see cref="FuseSession"/> releases it only after the loop has returned and every
/// request has been answered, because answered-later requests still point into the session.
/// </summary>
internal sealed class FuseSessionHandle : SafeHandle
{
    public FuseSessionHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Interop.Shim.s3fs_fuse_session_destroy(handle);
        return true;
    }
}
