using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace S3Fs.Fuse;

/// <summary>
/// The two entry points the shim calls: one dispatch function for every request and one for kernel
/// interrupts. Both are static <c>[UnmanagedCallersOnly]</c> methods (no delegate to keep alive) and both catch
/// everything: an exception unwinding into libfuse would terminate the process.
/// </summary>
internal static class FuseCallbacks
{
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static unsafe void Dispatch(Interop.Shim.s3fs_request* request)
    {
        // SAFETY: request points at the shim's stack copy of the request, valid until we return; user is the
        // GCHandle to FuseOperations that FuseSession keeps allocated until the native session is destroyed.
        try
        {
            var operations = (FuseOperations)GCHandle.FromIntPtr(request->user).Target!;
            operations.Dispatch(request);
        }
        catch (Exception ex)
        {
            // Only reachable if the operations object could not be found: FuseOperations.Dispatch never throws.
            LastResort(request, ex);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static void Interrupt(nint user, nint request)
    {
        try
        {
            var operations = (FuseOperations)GCHandle.FromIntPtr(user).Target!;
            operations.Tracker.Interrupt(request);
        }
        catch (Exception)
        {
            // An interrupt is advisory: losing one only means the operation runs to completion.
        }
    }

    private static unsafe void LastResort(Interop.Shim.s3fs_request* request, Exception ex)
    {
        // SAFETY: same request pointer as in Dispatch, still within the callback.
        try
        {
            var opcode = (Interop.Shim.Opcode)request->opcode;
            Log.DispatchFault(NativeShim.Logger, ex, opcode);
            if (request->req == 0)
            {
                return; // INIT / DESTROY take no reply
            }

            if (opcode is Interop.Shim.Opcode.Forget or Interop.Shim.Opcode.ForgetMulti)
            {
                Interop.Shim.s3fs_fuse_reply_none(request->req);
            }
            else
            {
                _ = Interop.Shim.s3fs_fuse_reply_err(request->req, Errno.EIO);
            }
        }
        catch (Exception)
        {
            // Nothing more can be done without risking an unwind into native code.
        }
    }
}
