using System.Text;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Format;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// What an encrypting volume must look like in the bucket after any scenario: every file object (regular files and
/// symlinks alike) carries the complete <c>s3cfs-*</c> envelope, no stored byte sequence or metadata value
/// contains a 16-byte window of anything written through the mount, directory markers are empty, and under the
/// volume's <c>.s3cfs/</c> folder only <c>volume.json</c> is left (no capability-probe scratch objects, no
/// unfinished rename journals).
/// </summary>
public static class BucketAudit
{
    private const int Window = 16;

    /// <summary>Windows taken from each plaintext besides its start, middle and end.</summary>
    private const int RandomWindowsPerPlaintext = 5;

    /// <summary>Bodies are scanned in pieces of this size (objects may be larger than memory should hold).</summary>
    private const int ScanChunk = 8 * 1024 * 1024;

    /// <summary>
    /// Asserts the layout described above. <paramref name="plaintexts"/> are contents and markers the test wrote;
    /// windows with fewer than 4 distinct bytes (runs of zeros in sparse files) prove nothing and are skipped.
    /// Returns how many objects were checked.
    /// </summary>
    public static async Task<int> AssertEncryptedAsync(MountVolume volume, IEnumerable<byte[]> plaintexts)
    {
        var windows = WindowsOf(plaintexts);
        Assert.NotEmpty(windows);
        var objects = await volume.ListAllAsync();
        var internalFolder = volume.Prefix + ".s3cfs/";
        var descriptor = internalFolder + "volume.json";
        Assert.Contains(objects, o => o.Key == descriptor);
        Assert.Empty(objects.Where(o => o.Key.StartsWith(internalFolder, StringComparison.Ordinal) && o.Key != descriptor).Select(o => o.Key));

        var checkedObjects = 0;
        foreach (var o in objects.Where(o => !o.Key.StartsWith(internalFolder, StringComparison.Ordinal)))
        {
            if (o.Key.EndsWith('/'))
            {
                Assert.True(o.Size == 0, $"directory marker {o.Key} has {o.Size} bytes");
                continue;
            }

            var head = await volume.Store.HeadAsync(new HeadRequest(o.Key), CancellationToken.None);
            var metadata = head.Metadata.UserMetadata;
            var missing = MetadataKeys.All.Where(k => !metadata.ContainsKey(k)).ToList();
            Assert.True(missing.Count == 0, $"{o.Key} lacks envelope fields {string.Join(", ", missing)}; it has {string.Join(", ", metadata.Keys)}");
            var metadataText = Encoding.UTF8.GetBytes(string.Join('\n', metadata.Select(kv => kv.Key + "=" + kv.Value)));
            AssertNoWindow(o.Key + " (metadata)", metadataText, windows);
            await ScanBodyAsync(volume, o, windows);
            checkedObjects++;
        }

        return checkedObjects;
    }

    /// <summary>Every regular file under <paramref name="directory"/> (a local copy of what was written), as plaintexts.</summary>
    public static IEnumerable<byte[]> FilesUnder(string directory) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(File.ReadAllBytes);

    private static async Task ScanBodyAsync(MountVolume volume, ListEntry o, List<byte[]> windows)
    {
        // Overlapping pieces, so a window that straddles two pieces is still found.
        var buffer = new byte[(int)Math.Min(o.Size, ScanChunk + Window)];
        for (long offset = 0; offset < o.Size; offset += ScanChunk)
        {
            var length = (int)Math.Min(buffer.Length, o.Size - offset);
            var result = await volume.Store.GetRangeAsync(new GetRangeRequest(o.Key, new ByteRange(offset, length)), buffer.AsMemory(0, length), CancellationToken.None);
            Assert.Equal(length, result.BytesRead);
            AssertNoWindow($"{o.Key} at {offset}", buffer.AsSpan(0, length), windows);
        }
    }

    private static void AssertNoWindow(string where, ReadOnlySpan<byte> stored, List<byte[]> windows)
    {
        foreach (var w in windows)
        {
            var at = stored.IndexOf(w);
            Assert.True(at < 0, $"{where}: plaintext {Convert.ToHexString(w)} ('{Printable(w)}') stored in the clear at +{at}");
        }
    }

    private static List<byte[]> WindowsOf(IEnumerable<byte[]> plaintexts)
    {
        var random = new Random(16);
        var windows = new List<byte[]>();
        foreach (var p in plaintexts.Where(p => p.Length >= Window))
        {
            var offsets = new List<int> { 0, (p.Length - Window) / 2, p.Length - Window };
            for (var i = 0; i < RandomWindowsPerPlaintext; i++)
            {
                offsets.Add(random.Next(p.Length - Window + 1));
            }

            foreach (var offset in offsets.Distinct())
            {
                var w = p.AsSpan(offset, Window).ToArray();
                if (w.Distinct().Count() >= 4)
                {
                    windows.Add(w);
                }
            }
        }

        return windows;
    }

    private static string Printable(byte[] w) => new(w.Select(b => b is >= 32 and < 127 ? (char)b : '.').ToArray());
}
