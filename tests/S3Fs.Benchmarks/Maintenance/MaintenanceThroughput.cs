using System.Globalization;
using System.Security.Cryptography;
using S3Fs.Aws.Storage;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing;

namespace S3Fs.Benchmarks.Maintenance;

/// <summary>
/// Rates of the maintenance commands against the local Ceph RGW (not a BenchmarkDotNet benchmark: a run over many
/// objects, or one large one, is the measurement): rekey of N small encrypted objects (master key only, then SSE-C,
/// which RGW cannot re-key server-side, so the bytes are streamed), verify of the same objects, migrate of one large
/// plaintext object and verify of the result. Uses the runners and concurrency of the s3cfs commands. Prints a
/// Markdown table. Run: <c>dotnet run -c Release -- maintenance-rgw [objects] [MiB]</c> (defaults 200 and 100).
/// </summary>
internal static class MaintenanceThroughput
{
    private const int MiB = 1024 * 1024;

    /// <summary>"Small": one 4 KiB page of plaintext, the size class where per-object latency is everything.</summary>
    private const int SmallSize = 4096;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var largeSize = (args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100) * MiB;
        var env = await RgwEnvironment.GetAsync();
        var prefix = RgwEnvironment.UniquePrefix("maintenance-throughput");
        using var oldSse = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        using var newSse = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        using var plain = await StoreAsync(env, prefix, ServerSideEncryption.None);
        using var sseOld = await StoreAsync(env, prefix, SseC(oldSse));
        using var sseNew = await StoreAsync(env, prefix, SseC(newSse, oldSse));
        var keyA = RandomNumberGenerator.GetBytes(32);
        var keyB = RandomNumberGenerator.GetBytes(32);
        var rows = new List<string>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                await PutEncryptedAsync(plain, Ciphers(keyA), $"{prefix}small/{i:D5}", SmallSize, i);
                await PutEncryptedAsync(sseOld, Ciphers(keyB), $"{prefix}ssec/{i:D5}", SmallSize, i);
            }

            using (var rekey = new Rekeyer(plain, new RekeyOptions { Ciphers = Ciphers(keyB, keyA) }))
            {
                rows.Add(Row($"rekey, master key, {count} × 4 KiB", await RunAsync(plain, new MaintenanceScope(prefix + "small/"), rekey, 16)));
            }

            using (var rekey = new Rekeyer(sseNew, new RekeyOptions { Ciphers = Ciphers(keyB), CustomerKeys = new CustomerKeyRotation(newSse, [oldSse]) }))
            {
                rows.Add(Row($"rekey, SSE-C (streamed on RGW), {count} × 4 KiB", await RunAsync(sseNew, new MaintenanceScope(prefix + "ssec/"), rekey, 16)));
            }

            rows.Add(Row($"verify, {count} × 4 KiB", await RunAsync(plain, new MaintenanceScope(prefix + "small/"), new Verifier(plain, Ciphers(keyB)), 8)));

            var data = new byte[largeSize];
            new Random(1).NextBytes(data);
            await UploadPlainAsync(plain, prefix + "large/blob", data);
            using (var migrate = new Migrator(plain, Ciphers(keyB)))
            {
                rows.Add(Row($"migrate, 1 × {largeSize / MiB} MiB", await RunAsync(plain, new MaintenanceScope(prefix + "large/"), migrate, 4)));
            }

            rows.Add(Row($"verify, 1 × {largeSize / MiB} MiB", await RunAsync(plain, new MaintenanceScope(prefix + "large/"), new Verifier(plain, Ciphers(keyB)), 8)));
        }
        finally
        {
            await CleanAsync(plain, prefix);
        }

        Console.WriteLine("| run | objects | changed | seconds | objects/s | MB/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static async Task<MaintenanceSummary> RunAsync(IObjectStore store, MaintenanceScope scope, IMaintenanceTask task, int concurrency)
    {
        var summary = await new MaintenanceRunner(store, new MaintenanceRunOptions { Concurrency = concurrency }).RunAsync(scope, task, new Silent(), CancellationToken.None);
        if (summary.Progress.Invalid + summary.Progress.Errors > 0 || summary.ListingFailure is not null)
        {
            throw new InvalidOperationException($"the run had problems: {summary}");
        }

        return summary;
    }

    private static string Row(string name, MaintenanceSummary s)
    {
        var p = s.Progress;
        return string.Create(CultureInfo.InvariantCulture, $"| {name} | {p.Done} | {p.Changed} | {p.Elapsed.TotalSeconds:0.00} | {p.ObjectsPerSecond:0.0} | {p.BytesPerSecond / 1e6:0.0} |");
    }

    private static async Task<S3ObjectStore> StoreAsync(RgwEnvironment env, string prefix, ServerSideEncryption sse)
    {
        var store = new S3ObjectStore(RgwStore.Options(env) with
        {
            AllowHttpSseC = true, // loopback test server
            ServerSideEncryption = sse,
        });
        await store.DetectCapabilitiesAsync(prefix + ".s3cfs/probe/", CancellationToken.None);
        return store;
    }

    private static ServerSideEncryption SseC(CustomerKey current, params CustomerKey[] old) =>
        new() { Mode = SseMode.CustomerKey, CustomerKey = current, OldCustomerKeys = old };

    private static FileCipherFactory Ciphers(byte[] primary, params byte[][] old) =>
        new(new MasterKeyRing(FileMasterKey.FromKey(primary), old.Select(k => (IMasterKey)FileMasterKey.FromKey(k))));

    private static async Task PutEncryptedAsync(S3ObjectStore store, FileCipherFactory ciphers, string key, int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        using var cipher = await ciphers.CreateAsync(key, CancellationToken.None);
        await store.PutAsync(new PutRequest(key, cipher.SealAll(data)) { Metadata = new ObjectMetadata { UserMetadata = cipher.Metadata } }, CancellationToken.None);
    }

    /// <summary>The large plaintext object goes up in 8 MiB parts (one PUT of 100 MiB would only measure the setup).</summary>
    private static async Task UploadPlainAsync(S3ObjectStore store, string key, byte[] data)
    {
        var upload = await store.StartMultipartUploadAsync(new MultipartUploadRequest(key), CancellationToken.None);
        var parts = new List<UploadedPart>();
        for (var offset = 0; offset < data.Length; offset += 8 * MiB)
        {
            parts.Add(await upload.UploadPartAsync(parts.Count + 1, data.AsMemory(offset, Math.Min(8 * MiB, data.Length - offset)), CancellationToken.None));
        }

        await upload.CompleteAsync(parts, CancellationToken.None);
    }

    private static async Task CleanAsync(S3ObjectStore store, string prefix)
    {
        string? token = null;
        do
        {
            var page = await store.ListAsync(new ListRequest(prefix) { Delimiter = null, ContinuationToken = token }, CancellationToken.None);
            if (page.Objects.Count > 0)
            {
                await store.DeleteManyAsync(page.Objects.Select(o => o.Key).ToList(), CancellationToken.None);
            }

            token = page.NextContinuationToken;
        }
        while (token is not null);
    }

    private sealed class Silent : IMaintenanceObserver
    {
        public void OnOutcome(ObjectOutcome outcome)
        {
        }

        public void OnProgress(MaintenanceProgress progress)
        {
        }
    }
}
