namespace S3Fs.Fuse;

/// <summary>What the kernel and the shim agreed on at INIT (for logs, diagnostics and tests).</summary>
public sealed record FuseConnectionInfo(
    uint ProtocolMajor,
    uint ProtocolMinor,
    uint MaxWrite,
    uint MaxRead,
    uint MaxReadahead,
    uint MaxBackground,
    uint Capabilities)
{
    // FUSE_CAP_* bits (fuse_common.h).
    private const uint CapAsyncRead = 1 << 0;
    private const uint CapReaddirPlus = 1 << 13;
    private const uint CapWritebackCache = 1 << 16;
    private const uint CapSpliceRead = 1 << 9;

    public bool AsyncRead => (Capabilities & CapAsyncRead) != 0;

    public bool ReaddirPlus => (Capabilities & CapReaddirPlus) != 0;

    public bool WritebackCache => (Capabilities & CapWritebackCache) != 0;

    public bool SpliceRead => (Capabilities & CapSpliceRead) != 0;

    internal static FuseConnectionInfo From(in Interop.Shim.s3fs_init_info info) => new(
        info.proto_major, info.proto_minor, info.max_write, info.max_read, info.max_readahead, info.max_background, info.want);
}
