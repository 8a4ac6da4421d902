using S3Fs.Conformance;
using S3Fs.Dokan.Tests.Harness;
using S3Fs.Testing.Storage;

namespace S3Fs.Dokan.Tests.Conformance;

/// <summary>The shared behaviour suite through the Windows adapter, over the in-memory store (naive content double).</summary>
public sealed class DokanAdapterConformanceTests : FileSystemConformanceTests
{
    protected override Task<IFsDriver> CreateDriverAsync() =>
        Task.FromResult<IFsDriver>(new DokanAdapterDriver(new DokanHarness(new InMemoryObjectStore("conformance"), "mnt/")));
}
