using S3Fs.Aws.Storage;
using S3Fs.Core.Storage;
using S3Fs.Testing;

namespace S3Fs.Aws.Tests.Storage;

/// <summary>Builds <see cref="S3ObjectStore"/>s against the local RGW with test-friendly settings.</summary>
internal static class Rgw
{
    /// <summary>Short backoffs: the tests exercise retries, not patience.</summary>
    public static readonly RetryOptions FastRetry = new() { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(50) };

    public static async Task<S3StoreOptions> OptionsAsync()
    {
        var env = await RgwEnvironment.GetAsync();
        return new S3StoreOptions
        {
            Bucket = env.Bucket,
            Endpoint = env.Endpoint.ToString(),
            Region = env.Region,
            PathStyle = true,
            Credentials = new S3Credentials(env.AccessKeyId, env.SecretAccessKey),
            // RGW 16 rejects the SDK's default trailing checksums (facts.md).
            Checksums = ChecksumPolicy.WhenRequired,
            Retry = FastRetry,
            RequestTimeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>A store with capabilities probed on the real server (the probe writes under the test's prefix).</summary>
    public static async Task<S3ObjectStore> StoreAsync(string prefix, Func<S3StoreOptions, S3StoreOptions>? configure = null, bool detect = true)
    {
        var options = await OptionsAsync();
        if (configure is not null)
        {
            options = configure(options);
        }

        var store = new S3ObjectStore(options);
        if (detect)
        {
            await store.DetectCapabilitiesAsync(prefix, CancellationToken.None);
        }

        return store;
    }

    /// <summary>Deletes everything under <paramref name="prefix"/>.</summary>
    public static async Task CleanAsync(IObjectStore store, string prefix)
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

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
