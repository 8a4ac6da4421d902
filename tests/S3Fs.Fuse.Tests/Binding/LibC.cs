using System.Runtime.InteropServices;
using System.Text;

namespace S3Fs.Fuse.Tests.Binding;

/// <summary>
/// The few syscalls the tests need that neither System.IO nor a shell tool exposes precisely (renameat2 flags,
/// the xattr size probe). Paths are passed as NUL-terminated UTF-8 byte arrays.
/// </summary>
internal static class LibC
{
    public const int AtFdCwd = -100;
    public const uint RenameNoReplace = 1;
    public const uint RenameExchange = 2;
    public const int XattrCreate = 1;

    public static (long Result, int Errno) GetXAttr(string path, string name, byte[]? buffer)
    {
        long result = getxattr(Z(path), Z(name), buffer, (nuint)(buffer?.Length ?? 0));
        return (result, result < 0 ? Marshal.GetLastPInvokeError() : 0);
    }

    public static (long Result, int Errno) ListXAttr(string path, byte[]? buffer)
    {
        long result = listxattr(Z(path), buffer, (nuint)(buffer?.Length ?? 0));
        return (result, result < 0 ? Marshal.GetLastPInvokeError() : 0);
    }

    public static int SetXAttr(string path, string name, byte[] value, int flags) =>
        setxattr(Z(path), Z(name), value, (nuint)value.Length, flags) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static int Rename2(string from, string to, uint flags) =>
        renameat2(AtFdCwd, Z(from), AtFdCwd, Z(to), flags) == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern nint getxattr(byte[] path, byte[] name, byte[]? value, nuint size);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern nint listxattr(byte[] path, byte[]? list, nuint size);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int setxattr(byte[] path, byte[] name, byte[] value, nuint size, int flags);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int renameat2(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, uint flags);
}
