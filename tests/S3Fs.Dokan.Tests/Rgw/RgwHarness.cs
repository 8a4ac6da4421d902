using S3Fs.Aws.Storage;
using S3Fs.Core.Storage;
using S3Fs.Dokan.Tests.Harness;
using S3Fs.Testing;

namespace S3Fs.Dokan.Tests.Rgw;

/// <summary>
/// The adapter over the real core over S3ObjectStore against the local Ceph RGW (127.0.0.1 only, enforced by
/// <see cref="RgwEnvironment"/>), each harness under its own key prefix, deleted when the harness is disposed.
/// </summary>
public static class RgwHarness
{
    public static async Task<DokanHarness> CreateAsync(string testName, DokanMountOptions? options = null)
    {
        var env = await RgwEnvironment.GetAsync();
        var prefix = RgwEnvironment.UniquePrefix("dokan-" + testName);
        var store = new S3ObjectStore(new S3StoreOptions
        {
            Bucket = env.Bucket,
            Endpoint = env.Endpoint.ToString(),
            Region = env.Region,
            PathStyle = true,
            Credentials = new S3Credentials(env.AccessKeyId, env.SecretAccessKey),
            Checksums = ChecksumPolicy.WhenRequired, // RGW 16 rejects the SDK's default trailing checksums
            RequestTimeout = TimeSpan.FromSeconds(30),
        });
        await store.DetectCapabilitiesAsync(prefix, CancellationToken.None);
        return new DokanHarness(store, prefix, options)
        {
            Cleanup = async () =>
            {
                await DeletePrefixAsync(store, prefix);
                store.Dispose();
            },
        };
    }

    private static async Task DeletePrefixAsync(S3ObjectStore store, string prefix)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await store.ListAsync(new ListRequest(prefix) { Delimiter = null, ContinuationToken = token }, CancellationToken.None);
            keys.AddRange(page.Objects.Select(o => o.Key));
            token = page.NextContinuationToken;
        }
        while (token is not null);

        if (keys.Count > 0)
        {
            await store.DeleteManyAsync(keys, CancellationToken.None);
        }
    }
}
