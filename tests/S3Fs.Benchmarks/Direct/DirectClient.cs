using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using S3Fs.Aws.Storage;
using S3Fs.Core.Storage;
using S3Fs.Testing;

namespace S3Fs.Benchmarks.Direct;

/// <summary>
/// The direct S3 client of <c>scripts/bench.sh</c>: the ceiling every mount is compared with, and the tool that fills
/// and empties benchmark prefixes. It uses the same S3 stack as the mount (<see cref="S3ObjectStore"/> over AWSSDK.S3
/// and its HTTP client), so the gap to a mount is the mount's own work, not a different client library. Each
/// operation warms up first (JIT of the SDK paths, connection set-up: what a mount has done before it reports ready)
/// and then prints one JSON line with the timed part's seconds. Run:
/// <c>S3FS_TEST_ENV=/tmp/s3cfs-rgw/env dotnet S3Fs.Benchmarks.dll direct &lt;op&gt; ...</c>.
/// </summary>
internal static class DirectClient
{
    private const int MiB = 1024 * 1024;

    /// <summary>8 MiB parts and ranges, 4 in flight: the request shape of the mount's content layer.</summary>
    private const int DefaultPart = 8 * MiB;

    private const int DefaultParallel = 4;

    /// <summary>Concurrent PUTs when filling a prefix with empty objects (setup only, not a measurement).</summary>
    private const int PopulateParallel = 32;

    /// <summary>DeleteObjects takes at most 1,000 keys per request.</summary>
    private const int DeleteBatch = 1000;

    private const string Usage = """
        usage: direct <op> ...
          seq-write <source-file> <key>            multipart upload, 8 MiB parts, 4 in parallel
          seq-read <key>                           ranged GETs of 8 MiB, 4 in parallel (HEAD for the size included)
          small-write <prefix> <count> <size> <source-file>   one PUT after the other (file i = bytes i*size.. of source)
          small-read <prefix> <count> <size> <source-file>    one GET after the other, contents checked
          populate <prefix> <count>                <count> empty objects, 32 PUTs in parallel (setup)
          fanout <source-key> <keys-file>          copies one object to every key listed in the file, 32 in parallel
                                                   (setup: fills a folder in a mount's own format from one file)
          list <prefix>                            ListObjectsV2 of a folder (delimiter '/'), every page
          delete-prefix <prefix>                   deletes every object under <prefix> (cleanup)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        var env = await RgwEnvironment.GetAsync();
        using var s3 = new S3ObjectStore(RgwStore.Options(env));
        var ct = CancellationToken.None;
        var result = new Dictionary<string, object> { ["op"] = args[0] };
        switch (args)
        {
            case ["seq-write", var source, var key]:
                {
                    var data = await File.ReadAllBytesAsync(source, ct);
                    await WarmUpAsync(s3, key + ".warmup", ct);
                    result["seconds"] = await TimeAsync(() => MultipartAsync(s3, key, data, ct));
                    result["bytes"] = data.Length;
                    break;
                }

            case ["seq-read", var key]:
                {
                    await WarmUpAsync(s3, key + ".warmup", ct);
                    long size = 0;
                    result["seconds"] = await TimeAsync(async () => size = await RangedReadAsync(s3, key, ct));
                    result["bytes"] = size;
                    break;
                }

            case ["small-write", var prefix, var countText, var sizeText, var source]:
                {
                    var (count, size) = (Int(countText), Int(sizeText));
                    var data = await File.ReadAllBytesAsync(source, ct);
                    await WarmUpAsync(s3, prefix + ".warmup", ct);
                    result["seconds"] = await TimeAsync(async () =>
                    {
                        for (var i = 0; i < count; i++)
                        {
                            await s3.PutAsync(new PutRequest(SmallKey(prefix, i), data.AsMemory(i * size, size)), ct);
                        }
                    });
                    result["count"] = count;
                    break;
                }

            case ["small-read", var prefix, var countText, var sizeText, var source]:
                {
                    var (count, size) = (Int(countText), Int(sizeText));
                    var data = await File.ReadAllBytesAsync(source, ct);
                    var buffer = new byte[size];
                    await WarmUpAsync(s3, prefix + ".warmup", ct);
                    result["seconds"] = await TimeAsync(async () =>
                    {
                        for (var i = 0; i < count; i++)
                        {
                            var read = await s3.GetRangeAsync(new GetRangeRequest(SmallKey(prefix, i), new ByteRange(0, size)), buffer, ct);
                            if (read.BytesRead != size || !buffer.AsSpan().SequenceEqual(data.AsSpan(i * size, size)))
                            {
                                throw new InvalidDataException($"{SmallKey(prefix, i)} does not hold the bytes written");
                            }
                        }
                    });
                    result["count"] = count;
                    break;
                }

            case ["populate", var prefix, var countText]:
                result["seconds"] = await TimeAsync(() => PopulateAsync(s3, prefix, Int(countText), ct));
                break;

            case ["fanout", var source, var keysFile]:
                {
                    var keys = (await File.ReadAllLinesAsync(keysFile, ct)).Where(k => k.Length > 0).ToList();
                    result["seconds"] = await TimeAsync(() => FanOutAsync(s3, source, keys, ct));
                    result["count"] = keys.Count;
                    break;
                }

            case ["list", var prefix]:
                {
                    await WarmUpAsync(s3, prefix.TrimEnd('/') + ".warmup", ct);
                    var entries = 0;
                    result["seconds"] = await TimeAsync(async () => entries = await ListFolderAsync(s3, prefix, ct));
                    result["entries"] = entries;
                    break;
                }

            case ["delete-prefix", var prefix]:
                result["deleted"] = await DeletePrefixAsync(s3, prefix, ct);
                break;

            default:
                await Console.Error.WriteLineAsync(Usage);
                return 2;
        }

        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static string SmallKey(string prefix, int i) => $"{prefix}f{i:D5}";

    private static async Task<double> TimeAsync(Func<Task> run)
    {
        var watch = Stopwatch.StartNew();
        await run();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>One of each request kind the measured operations use, on a tiny throw-away object.</summary>
    private static async Task WarmUpAsync(S3ObjectStore s3, string key, CancellationToken ct)
    {
        var body = new byte[4096];
        await s3.PutAsync(new PutRequest(key, body), ct);
        await s3.HeadAsync(new HeadRequest(key), ct);
        await s3.GetRangeAsync(new GetRangeRequest(key, new ByteRange(0, body.Length)), body, ct);
        await s3.ListAsync(new ListRequest(key), ct);
        await MultipartAsync(s3, key, body, ct);
        await s3.DeleteAsync(key, ct);
    }

    private static async Task MultipartAsync(S3ObjectStore s3, string key, byte[] data, CancellationToken ct)
    {
        var upload = await s3.StartMultipartUploadAsync(new MultipartUploadRequest(key), ct);
        using var gate = new SemaphoreSlim(DefaultParallel);
        var parts = await Task.WhenAll(Enumerable.Range(0, Math.Max(1, (data.Length + DefaultPart - 1) / DefaultPart)).Select(async i =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var offset = i * DefaultPart;
                return await upload.UploadPartAsync(i + 1, data.AsMemory(offset, Math.Min(DefaultPart, data.Length - offset)), ct);
            }
            finally
            {
                gate.Release();
            }
        }));
        await upload.CompleteAsync(parts, ct);
    }

    /// <summary>Reads the whole object into memory, 8 MiB ranges with 4 in flight; returns its size.</summary>
    private static async Task<long> RangedReadAsync(S3ObjectStore s3, string key, CancellationToken ct)
    {
        var size = (await s3.HeadAsync(new HeadRequest(key), ct)).Size;
        var buffers = Enumerable.Range(0, DefaultParallel).Select(_ => new byte[DefaultPart]).ToArray();
        var next = -1L;
        await Task.WhenAll(buffers.Select(async buffer =>
        {
            for (var i = Interlocked.Increment(ref next); i * DefaultPart < size; i = Interlocked.Increment(ref next))
            {
                var offset = i * DefaultPart;
                var length = (int)Math.Min(DefaultPart, size - offset);
                await s3.GetRangeAsync(new GetRangeRequest(key, new ByteRange(offset, length)), buffer.AsMemory(0, length), ct);
            }
        }));
        return size;
    }

    private static async Task PopulateAsync(S3ObjectStore s3, string prefix, int count, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(PopulateParallel);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await s3.PutAsync(new PutRequest(SmallKey(prefix, i), ReadOnlyMemory<byte>.Empty), ct);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>Server-side copies of one object (metadata included) to many keys.</summary>
    private static async Task FanOutAsync(S3ObjectStore s3, string source, IReadOnlyList<string> keys, CancellationToken ct)
    {
        var size = (await s3.HeadAsync(new HeadRequest(source), ct)).Size;
        using var gate = new SemaphoreSlim(PopulateParallel);
        await Task.WhenAll(keys.Select(async key =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await s3.CopyAsync(new CopyRequest(source, key) { SourceSize = size }, ct);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task<int> ListFolderAsync(S3ObjectStore s3, string prefix, CancellationToken ct)
    {
        var entries = 0;
        string? token = null;
        do
        {
            var page = await s3.ListAsync(new ListRequest(prefix) { ContinuationToken = token }, ct);
            entries += page.Objects.Count + page.CommonPrefixes.Count;
            token = page.NextContinuationToken;
        }
        while (token is not null);
        return entries;
    }

    private static async Task<int> DeletePrefixAsync(S3ObjectStore s3, string prefix, CancellationToken ct)
    {
        if (prefix.Length == 0)
        {
            throw new ArgumentException("refusing to delete a whole bucket: give a prefix");
        }

        var deleted = 0;
        while (true)
        {
            var keys = new List<string>();
            string? token = null;
            do
            {
                var page = await s3.ListAsync(new ListRequest(prefix) { Delimiter = null, ContinuationToken = token }, ct);
                keys.AddRange(page.Objects.Select(o => o.Key));
                token = page.NextContinuationToken;
            }
            while (token is not null);
            if (keys.Count == 0)
            {
                return deleted;
            }

            foreach (var batch in keys.Chunk(DeleteBatch))
            {
                var result = await s3.DeleteManyAsync(batch, ct);
                deleted += result.Deleted.Count;
            }
        }
    }
}
