using System.Security.Cryptography;
using S3Fs.Aws.Storage;
using S3Fs.Core.Storage;
using S3Fs.Testing;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// One test's volume on the local RGW: a fresh key prefix, a local master key file, an options file that
/// <c>s3cfs mount</c> and the in-process mounts read alike, a mount point, and a store of its own to inspect and
/// seed the bucket. Disposing it deletes every object under the prefix and the local directory. Everything lives
/// under /tmp/s3cfs-e2e-*, world-traversable so that tests running as another uid can reach the mount point.
/// </summary>
public sealed class MountVolume : IAsyncDisposable
{
    private MountVolume(RgwEnvironment env, string prefix, string directory, bool encrypted, S3ObjectStore store)
    {
        Env = env;
        Prefix = prefix;
        Directory = directory;
        Encrypted = encrypted;
        Store = store;
    }

    public RgwEnvironment Env { get; }

    /// <summary>The mount root's key prefix (ends in '/').</summary>
    public string Prefix { get; }

    /// <summary>Local directory holding the key, the options file, the log and the mount point.</summary>
    public string Directory { get; }

    public bool Encrypted { get; }

    /// <summary>A store of the test's own (not the mount's) for seeding and inspecting the bucket.</summary>
    public S3ObjectStore Store { get; }

    public string MountPoint => Path.Combine(Directory, "mnt");

    public string OptionsFile => Path.Combine(Directory, "volume.conf");

    public string KeyFile => Path.Combine(Directory, "master.key");

    /// <summary>Where the mount logs (the options file's log_file).</summary>
    public string LogFile => Path.Combine(Directory, "s3cfs.log");

    /// <param name="testName">Part of the key prefix, to find a test's leftovers.</param>
    /// <param name="encrypted">encryption = client (with a fresh local key) or none.</param>
    /// <param name="extraOptions">More lines for the options file.</param>
    /// <param name="subfolder">A folder appended to the unique prefix (to test long prefixes).</param>
    public static async Task<MountVolume> CreateAsync(string testName, bool encrypted = true, string extraOptions = "", string? subfolder = null)
    {
        var env = await RgwEnvironment.GetAsync();
        var prefix = RgwEnvironment.UniquePrefix("fuse-" + testName) + (subfolder is null ? string.Empty : subfolder + "/");
        var directory = $"/tmp/s3cfs-e2e-{Guid.NewGuid():N}";
        System.IO.Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("755", 8));
        var store = new S3ObjectStore(StoreOptions(env));
        var volume = new MountVolume(env, prefix, directory, encrypted, store);
        System.IO.Directory.CreateDirectory(volume.MountPoint);
        File.WriteAllText(volume.KeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        File.SetUnixFileMode(volume.KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        volume.WriteOptions(extraOptions);
        return volume;
    }

    /// <summary>The options an S3ObjectStore needs for the local RGW (credentials given explicitly, not from the environment).</summary>
    public static S3StoreOptions StoreOptions(RgwEnvironment env) => new()
    {
        Bucket = env.Bucket,
        Endpoint = env.Endpoint.ToString(),
        Region = env.Region,
        PathStyle = true,
        Credentials = new S3Credentials(env.AccessKeyId, env.SecretAccessKey),
        Checksums = ChecksumPolicy.WhenRequired, // RGW 16 rejects the SDK's default trailing checksums
        RequestTimeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>(Re)writes the options file: connection, encryption, log, plus <paramref name="extra"/> lines.</summary>
    public void WriteOptions(string extra = "")
    {
        var encryption = Encrypted ? $"encryption = client\nmaster_key = file:{KeyFile}\n" : "encryption = none\n";
        File.WriteAllText(OptionsFile, $"""
            bucket = {Env.Bucket}
            prefix = {Prefix.TrimEnd('/')}
            endpoint = {Env.Endpoint.ToString().TrimEnd('/')}
            region = {Env.Region}
            checksums = when_required
            log_file = {LogFile}
            log_level = info

            """ + encryption + extra + "\n");
    }

    /// <summary>The environment a separately started s3cfs needs: the RGW credentials, nothing inherited that could point elsewhere.</summary>
    public IReadOnlyDictionary<string, string> ProcessEnvironment() => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = Env.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = Env.SecretAccessKey,
        ["AWS_REGION"] = Env.Region,
        ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required",
        ["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required",
    };

    /// <summary>Every object under the prefix (recursively), in key order.</summary>
    public async Task<IReadOnlyList<ListEntry>> ListAllAsync()
    {
        var entries = new List<ListEntry>();
        string? token = null;
        do
        {
            var page = await Store.ListAsync(new ListRequest(Prefix) { Delimiter = null, ContinuationToken = token }, CancellationToken.None);
            entries.AddRange(page.Objects);
            token = page.NextContinuationToken;
        }
        while (token is not null);

        return entries;
    }

    /// <summary>The whole stored body of an object (ciphertext for encrypted files).</summary>
    public async Task<byte[]> GetObjectAsync(string key, long size)
    {
        var body = new byte[size];
        if (size > 0)
        {
            var result = await Store.GetRangeAsync(new GetRangeRequest(key, new ByteRange(0, size)), body, CancellationToken.None);
            Assert.Equal(size, result.BytesRead);
        }

        return body;
    }

    /// <summary>The last lines of the mount's log, for failure messages.</summary>
    public string LogTail(int lines = 40) =>
        File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(lines)) : "(no log written)";

    public async ValueTask DisposeAsync()
    {
        try
        {
            var keys = (await ListAllAsync()).Select(e => e.Key).ToList();
            foreach (var batch in keys.Chunk(1000)) // S3's DeleteObjects limit
            {
                await Store.DeleteManyAsync(batch, CancellationToken.None);
            }
        }
        finally
        {
            Store.Dispose();
            if (!Binding.TestMount.IsMounted(MountPoint))
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }
}
