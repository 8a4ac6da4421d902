using S3Fs.Core.Storage;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Storage;

/// <summary>The shared object-store behaviour suite, on the in-memory store.</summary>
public sealed class InMemoryObjectStoreContractTests : ObjectStoreContractTests
{
    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new InMemoryObjectStore());

    protected override Task DestroyStoreAsync(IObjectStore store) => Task.CompletedTask;
}
