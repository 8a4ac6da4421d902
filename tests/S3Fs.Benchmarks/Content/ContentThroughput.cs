using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using S3Fs.Aws.Storage;
using S3Fs.Core.Content;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing;

namespace S3Fs.Benchmarks.Content;

/// <summary>
/// End-to-end throughput against the local Ceph RGW (not a BenchmarkDotNet benchmark: one large transfer is the
/// measurement). For a file of N MiB (default 1024): the direct client's single PUT and GET of the same bytes, the
/// direct client with the content layer's own request shape (8 MiB parts or ranges, 4 in parallel), then the content
/// layer's durable sequential write (128 KiB writes as the kernel sends them, close waits for S3) and cold sequential
/// read (128 KiB reads, empty caches), encrypted and plain, and the bytes a 1 MiB overwrite sends. Prints a Markdown
/// table. Run: <c>dotnet run -c Release -- content-rgw 1024</c> with the env file of scripts/rgw-start.sh.
/// </summary>
internal static class ContentThroughput
{
    private const int MiB = 1024 * 1024;
    private const int KernelIo = 128 * 1024;
    private const int Parallel = 4;
    private const int Part = 8 * MiB;

    public static async Task<int> RunAsync(string[] args)
    {
        var size = (args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024) * MiB;
        var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        var writesOnly = args.Length > 2 && args[2] == "writes";
        var env = await RgwEnvironment.GetAsync();
        var prefix = RgwEnvironment.UniquePrefix("content-throughput");
        using var s3 = new S3ObjectStore(RgwStore.Options(env));
        await s3.DetectCapabilitiesAsync(prefix, CancellationToken.None);
        var staging = Path.Combine(Path.GetTempPath(), "s3cfs-throughput", Guid.NewGuid().ToString("N"));
        var data = new byte[size];
        new Random(1).NextBytes(data);
        var buffer = new byte[size];
        var masterKey = RandomNumberGenerator.GetBytes(32);
        var rows = new List<(string Name, List<double> Seconds)>();

        async Task MeasureAsync(string name, Func<Task> run)
        {
            var times = new List<double>();
            for (var i = 0; i < (writesOnly ? 1 : repeats); i++)
            {
                var watch = Stopwatch.StartNew();
                await run();
                times.Add(watch.Elapsed.TotalSeconds);
                Console.Error.WriteLine($"{name}: {size / 1e6 / times[^1]:F0} MB/s");
            }

            var row = rows.FindIndex(r => r.Name == name);
            if (row >= 0)
            {
                rows[row].Seconds.AddRange(times);
            }
            else
            {
                rows.Add((name, times));
            }
        }

        ContentStore NewContent(bool encrypted, bool early = true) => new(s3, new ContentOptions
        {
            Ciphers = encrypted ? new FileCipherFactory(new MasterKeyRing(FileMasterKey.FromKey(masterKey))) : null,
            StagingDirectory = staging,
            EarlyUpload = early,
        });

        async Task WriteAsync(string key, bool encrypted, bool early)
        {
            await using var content = NewContent(encrypted, early);
            await using var file = content.CreateNew();
            file.UploadTargetProvider = () => new UploadTarget(key, new Dictionary<string, string>());
            for (var offset = 0; offset < size; offset += KernelIo)
            {
                await file.WriteAsync(offset, data.AsMemory(offset, Math.Min(KernelIo, size - offset)), CancellationToken.None);
            }

            await file.UploadAsync(key, new Dictionary<string, string>(), CancellationToken.None);
        }

        try
        {
            if (writesOnly)
            {
                // A/B of the early upload alone: alternate so that load changes hit both alike.
                for (var i = 0; i < repeats; i++)
                {
                    await MeasureAsync("direct multipart, 8 MiB parts, 4 in parallel", async () => await DirectMultipartAsync(s3, prefix + "direct-mp", data));
                    await MeasureAsync("content write, encrypted, early upload on", () => WriteAsync(prefix + "w", true, early: true));
                    await MeasureAsync("content write, encrypted, early upload off", () => WriteAsync(prefix + "w", true, early: false));
                }
            }
            else
            {
                await MeasureAllAsync();
            }
        }
        finally
        {
            await CleanAsync(s3, prefix);
            Directory.Delete(staging, recursive: true);
        }

        PrintTable(rows, size, repeats);
        return 0;

        async Task MeasureAllAsync()
        {
            await MeasureAsync("direct PutAsync, one request", async () =>
                await s3.PutAsync(new PutRequest(prefix + "direct", data), CancellationToken.None));
            await MeasureAsync("direct GetRangeAsync, one request", async () =>
                await s3.GetRangeAsync(new GetRangeRequest(prefix + "direct", new ByteRange(0, size)), buffer, CancellationToken.None));
            await MeasureAsync("direct multipart, 8 MiB parts, 4 in parallel", async () => await DirectMultipartAsync(s3, prefix + "direct-mp", data));
            await MeasureAsync("direct ranged GETs, 8 MiB, 4 in parallel", async () => await DirectRangedAsync(s3, prefix + "direct-mp", buffer));

            foreach (var encrypted in new[] { true, false })
            {
                var label = encrypted ? "encrypted" : "plain";
                var key = prefix + label;
                if (encrypted)
                {
                    await MeasureAsync("content write, encrypted, early upload off (durable at close)", () => WriteAsync(key, encrypted, early: false));
                }

                await MeasureAsync($"content write, {label} (durable at close)", () => WriteAsync(key, encrypted, early: true));
                await MeasureAsync($"content cold read, {label}", async () =>
                {
                    await using var content = NewContent(encrypted);
                    await using var file = await content.OpenAsync(await s3.HeadAsync(new HeadRequest(key), CancellationToken.None), CancellationToken.None);
                    using var reader = file.CreateReader();
                    for (var offset = 0; offset < size; offset += KernelIo)
                    {
                        await reader.ReadAsync(offset, buffer.AsMemory(offset, Math.Min(KernelIo, size - offset)), CancellationToken.None);
                    }
                });
                if (!buffer.AsSpan().SequenceEqual(data))
                {
                    throw new InvalidOperationException($"the {label} read returned other bytes than were written");
                }
            }

            await MeasureOverwriteAsync(s3, masterKey, staging, prefix + "encrypted", size);
        }
    }

    private static void PrintTable(List<(string Name, List<double> Seconds)> rows, int size, int repeats)
    {
        Console.WriteLine($"| {size / MiB} MiB, runs: {repeats} | best MB/s | all runs MB/s |");
        Console.WriteLine("|---|---:|---|");
        foreach (var (name, seconds) in rows)
        {
            var rates = seconds.Select(s => (size / 1e6 / s).ToString("F0", CultureInfo.InvariantCulture));
            Console.WriteLine($"| {name} | {size / 1e6 / seconds.Min():F0} | {string.Join(", ", rates)} |");
        }
    }

    /// <summary>A 1 MiB overwrite in the middle of the stored encrypted file: time and what went over the wire.</summary>
    private static async Task MeasureOverwriteAsync(S3ObjectStore s3, byte[] masterKey, string staging, string key, int size)
    {
        var counting = new CountingObjectStore(s3);
        await using var store = new ContentStore(counting, new ContentOptions
        {
            Ciphers = new FileCipherFactory(new MasterKeyRing(FileMasterKey.FromKey(masterKey))),
            StagingDirectory = staging,
        });
        var watch = Stopwatch.StartNew();
        await using (var file = await store.OpenAsync(await s3.HeadAsync(new HeadRequest(key), CancellationToken.None), CancellationToken.None))
        {
            await file.WriteAsync(size / 2, new byte[MiB], CancellationToken.None);
            await file.UploadAsync(key, new Dictionary<string, string>(), CancellationToken.None);
        }

        Console.WriteLine($"1 MiB overwrite in the middle of the {size / MiB} MiB encrypted file: {watch.Elapsed.TotalSeconds:F2} s; {counting}");
    }

    private static async Task DirectMultipartAsync(S3ObjectStore s3, string key, byte[] data)
    {
        var upload = await s3.StartMultipartUploadAsync(new MultipartUploadRequest(key), CancellationToken.None);
        using var gate = new SemaphoreSlim(Parallel);
        var parts = await Task.WhenAll(Enumerable.Range(0, (data.Length + Part - 1) / Part).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await upload.UploadPartAsync(i + 1, data.AsMemory(i * Part, Math.Min(Part, data.Length - (i * Part))), CancellationToken.None);
            }
            finally
            {
                gate.Release();
            }
        }));
        await upload.CompleteAsync(parts, CancellationToken.None);
    }

    private static async Task DirectRangedAsync(S3ObjectStore s3, string key, byte[] buffer)
    {
        using var gate = new SemaphoreSlim(Parallel);
        await Task.WhenAll(Enumerable.Range(0, (buffer.Length + Part - 1) / Part).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var length = Math.Min(Part, buffer.Length - (i * Part));
                await s3.GetRangeAsync(new GetRangeRequest(key, new ByteRange((long)i * Part, length)), buffer.AsMemory(i * Part, length), CancellationToken.None);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task CleanAsync(S3ObjectStore s3, string prefix)
    {
        var page = await s3.ListAsync(new ListRequest(prefix) { Delimiter = null }, CancellationToken.None);
        if (page.Objects.Count > 0)
        {
            await s3.DeleteManyAsync(page.Objects.Select(o => o.Key).ToList(), CancellationToken.None);
        }
    }
}
