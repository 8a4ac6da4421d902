using S3Fs.Conformance;
using S3Fs.Dokan.Tests.Conformance;

namespace S3Fs.Dokan.Tests.Rgw;

/// <summary>The shared behaviour suite through the Windows adapter, over the core and S3ObjectStore against the local RGW.</summary>
[Trait("Category", "S3")]
public sealed class DokanAdapterRgwConformanceTests : FileSystemConformanceTests
{
    protected override async Task<IFsDriver> CreateDriverAsync() =>
        new DokanAdapterDriver(await RgwHarness.CreateAsync("conformance"));
}
