using S3Fs.Conformance;
using S3Fs.Testing.Content;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Conformance;

/// <summary>The shared behaviour suite against the core in-process, over the in-memory store, with the naive content double.</summary>
public sealed class InProcessNamespaceConformanceTests : FileSystemConformanceTests
{
    protected override Task<IFsDriver> CreateDriverAsync()
    {
        var store = new InMemoryObjectStore("conformance");
        return Task.FromResult<IFsDriver>(new InProcessDriver(store, "mnt/", s => new WholeObjectContentStore(s)));
    }
}
