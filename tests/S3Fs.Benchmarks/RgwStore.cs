using S3Fs.Aws.Storage;
using S3Fs.Testing;

namespace S3Fs.Benchmarks;

/// <summary>The S3ObjectStore settings every RGW benchmark uses: the test server's credentials, path style, long timeouts.</summary>
internal static class RgwStore
{
    public static S3StoreOptions Options(RgwEnvironment env) => new()
    {
        Bucket = env.Bucket,
        Endpoint = env.Endpoint.ToString(),
        Region = env.Region,
        PathStyle = true,
        Credentials = new S3Credentials(env.AccessKeyId, env.SecretAccessKey),
        Checksums = ChecksumPolicy.WhenRequired,
        RequestTimeout = TimeSpan.FromMinutes(10),
    };
}
