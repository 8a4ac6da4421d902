using System.Text.RegularExpressions;

namespace S3Fs.Fuse.Tests.Binding;

/// <summary>The native shim is found next to the test assembly and matches the C# mirrors of its structs.</summary>
public sealed class NativeShimTests
{
    [Fact]
    public void EnsureAvailable_ShimCopiedNextToAssembly_LoadsWithMatchingAbi()
    {
        NativeShim.EnsureAvailable(); // throws FuseUnavailableException on a missing, stale or mismatched library

        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libs3fs_fuse.so")));
        Assert.Equal(Interop.Shim.AbiVersion, Interop.Shim.s3fs_fuse_abi_version());
        Assert.Matches(new Regex(@"^3\.\d+\.\d+"), NativeShim.LibFuseVersion);
    }

    [Theory]
    [InlineData((int)Interop.Shim.StructId.Request, 168)]
    [InlineData((int)Interop.Shim.StructId.Attr, 96)]
    [InlineData((int)Interop.Shim.StructId.Entry, 128)]
    [InlineData((int)Interop.Shim.StructId.OpenOut, 24)]
    [InlineData((int)Interop.Shim.StructId.Statfs, 72)]
    [InlineData((int)Interop.Shim.StructId.Forget, 16)]
    public void StructSize_KnownStruct_MatchesTheLayoutDocumentedInTheHeader(int id, uint size)
    {
        NativeShim.EnsureAvailable();

        Assert.Equal(size, Interop.Shim.s3fs_fuse_struct_size((Interop.Shim.StructId)id));
    }
}
