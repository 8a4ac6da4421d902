using System.Text;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using S3Fs.Aws.Kms;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Kms;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>
/// A test KMS with one key, a fake clock, and <see cref="KmsMasterKey"/> instances built on the production client
/// (<see cref="KmsClientFactory"/>: standard retry mode, bounded attempts) with explicit credentials.
/// </summary>
internal sealed class KmsHarness : IAsyncDisposable
{
    private readonly List<IDisposable> _owned = [];

    public KmsHarness()
    {
        Server = KmsTestServer.Start();
        Key = Server.CreateKey("s3cfs master key");
    }

    public KmsTestServer Server { get; }

    public KmsTestKey Key { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Object context bytes as the envelope would bind them (format version, file id, block size).</summary>
    public static byte[] Context(int file) => Encoding.ASCII.GetBytes($"s3cfs/v1;file={file:D8};block=65536");

    public KmsMasterKeyOptions Options(string? key = null) => new()
    {
        Key = key ?? Key.Arn,
        Endpoint = Server.Endpoint,
        Region = Server.Region,
        MaxAttempts = 3,
    };

    public AmazonKeyManagementServiceClient Client(KmsMasterKeyOptions options)
    {
        var client = KmsClientFactory.Create(options, new BasicAWSCredentials(Server.AccessKeyId, Server.SecretAccessKey));
        _owned.Add(client);
        return client;
    }

    /// <summary>A new, cold master key (empty cache, no intermediate key yet).</summary>
    public async Task<KmsMasterKey> CreateAsync(KmsMasterKeyOptions? options = null, IAmazonKeyManagementService? client = null)
    {
        options ??= Options();
        var key = await KmsMasterKey.CreateAsync(options, client ?? Client(options), Time, null, CancellationToken.None);
        _owned.Add(key);
        return key;
    }

    public static async Task<List<(DataKey Key, byte[] Wrapped)>> WrapManyAsync(KmsMasterKey master, int count)
    {
        var result = new List<(DataKey, byte[])>();
        for (var i = 0; i < count; i++)
        {
            var dataKey = DataKey.Generate();
            result.Add((dataKey, await master.WrapAsync(dataKey, Context(i), CancellationToken.None)));
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        await Server.DisposeAsync();
    }
}
