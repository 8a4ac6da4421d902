using S3Fs.Conformance;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// The shared behaviour suite through a real FUSE mount of an encrypting volume (S3FileSystem, the real ContentStore
/// with a local master key, S3ObjectStore against the local RGW): the kernel, libfuse, the shim and the adapter all in
/// the path, every operation a system call.
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class FuseMountConformanceTests : FileSystemConformanceTests
{
    protected override async Task<IFsDriver> CreateDriverAsync() => await FuseMountDriver.StartAsync("conformance", encrypted: true);
}

/// <summary>The same suite through a real FUSE mount of a plain (encryption = none) volume.</summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
public sealed class FusePlainMountConformanceTests : FileSystemConformanceTests
{
    protected override async Task<IFsDriver> CreateDriverAsync() => await FuseMountDriver.StartAsync("conformance-plain", encrypted: false);
}
