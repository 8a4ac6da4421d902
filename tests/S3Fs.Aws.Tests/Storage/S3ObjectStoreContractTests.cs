using S3Fs.Aws.Storage;
using S3Fs.Core.Storage;
using S3Fs.Testing.Storage;

namespace S3Fs.Aws.Tests.Storage;

/// <summary>The shared object-store behaviour suite, on S3ObjectStore against the local RGW.</summary>
[Trait("Category", "S3")]
public sealed class S3ObjectStoreContractTests : ObjectStoreContractTests
{
    protected override async Task<IObjectStore> CreateStoreAsync() => await Rgw.StoreAsync(Prefix);

    protected override async Task DestroyStoreAsync(IObjectStore store)
    {
        await Rgw.CleanAsync(store, Prefix);
        ((S3ObjectStore)store).Dispose();
    }
}
