using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Namespace;

/// <summary>
/// POSIX attributes stored in S3 user metadata under the names s3fs-fuse uses (<c>mode</c>, <c>uid</c>, <c>gid</c>,
/// <c>atime</c>, <c>mtime</c>, <c>ctime</c>: decimal, times as <c>sec[.nsec]</c>; <c>mode</c> includes the file-type
/// bits) and extended attributes in one <c>xattr</c> value (URL-encoded JSON of name to base64 value, as s3fs-fuse
/// writes it). Sharing these names makes buckets written by s3fs-fuse mount with the right modes and owners, and
/// ours readable by it. Values that do not parse are ignored (the mount's defaults apply) rather than failing.
/// </summary>
public sealed record PosixAttributes
{
    public const string ModeKey = "mode";
    public const string UidKey = "uid";
    public const string GidKey = "gid";
    public const string ATimeKey = "atime";
    public const string MTimeKey = "mtime";
    public const string CTimeKey = "ctime";
    public const string XAttrKey = "xattr";

    /// <summary>S_IFMT and the type values of <c>mode</c>.</summary>
    public const uint TypeMask = 0xF000;
    public const uint RegularType = 0x8000;
    public const uint DirectoryType = 0x4000;
    public const uint SymlinkType = 0xA000;

    public uint? Mode { get; init; }

    public uint? Uid { get; init; }

    public uint? Gid { get; init; }

    public DateTimeOffset? ATime { get; init; }

    public DateTimeOffset? MTime { get; init; }

    public DateTimeOffset? CTime { get; init; }

    public IReadOnlyDictionary<string, byte[]> XAttrs { get; init; } = new Dictionary<string, byte[]>(StringComparer.Ordinal);

    /// <summary>The file type recorded in <c>mode</c>, if any.</summary>
    public FileKind? Kind => (Mode & TypeMask) switch
    {
        RegularType => FileKind.RegularFile,
        DirectoryType => FileKind.Directory,
        SymlinkType => FileKind.Symlink,
        _ => null,
    };

    /// <summary>
    /// Parsed attributes of metadata that is never changed once read (a HEAD's, an index entry's, our own write's),
    /// keyed by the dictionary instance: a lookup of a file shows its attributes once per kernel request, and an
    /// <c>ls -l</c> of a large directory sends one per name.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyDictionary<string, string>, PosixAttributes> ParsedOnce = [];

    /// <summary>
    /// <see cref="Parse"/>, computed once per metadata dictionary. The result is shared, which is safe because a
    /// <see cref="PosixAttributes"/> is immutable; callers must not change the dictionary afterwards.
    /// </summary>
    public static PosixAttributes Of(IReadOnlyDictionary<string, string> userMetadata) =>
        ParsedOnce.GetValue(userMetadata, static md => Parse(md));

    public static PosixAttributes Parse(IReadOnlyDictionary<string, string> userMetadata) => new()
    {
        Mode = ParseUInt(userMetadata, ModeKey),
        Uid = ParseUInt(userMetadata, UidKey),
        Gid = ParseUInt(userMetadata, GidKey),
        ATime = ParseTime(userMetadata, ATimeKey),
        MTime = ParseTime(userMetadata, MTimeKey),
        CTime = ParseTime(userMetadata, CTimeKey),
        XAttrs = ParseXAttrs(userMetadata),
    };

    /// <summary>Writes the set attributes into <paramref name="userMetadata"/>, replacing earlier values.</summary>
    public void WriteTo(IDictionary<string, string> userMetadata)
    {
        Set(userMetadata, ModeKey, Mode?.ToString(CultureInfo.InvariantCulture));
        Set(userMetadata, UidKey, Uid?.ToString(CultureInfo.InvariantCulture));
        Set(userMetadata, GidKey, Gid?.ToString(CultureInfo.InvariantCulture));
        Set(userMetadata, ATimeKey, FormatTime(ATime));
        Set(userMetadata, MTimeKey, FormatTime(MTime));
        Set(userMetadata, CTimeKey, FormatTime(CTime));
        Set(userMetadata, XAttrKey, XAttrs.Count == 0 ? null : FormatXAttrs(XAttrs));
    }

    /// <summary><c>sec</c> or <c>sec.nnnnnnnnn</c>, as s3fs-fuse writes times.</summary>
    public static string? FormatTime(DateTimeOffset? time)
    {
        if (time is null)
        {
            return null;
        }

        var ticks = time.Value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem);
        if (rem < 0)
        {
            seconds--;
            rem += TimeSpan.TicksPerSecond;
        }

        return rem == 0
            ? seconds.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{seconds}.{rem * 100:D9}");
    }

    public static string FormatXAttrs(IReadOnlyDictionary<string, byte[]> xattrs)
    {
        var json = JsonSerializer.Serialize(xattrs.ToDictionary(kv => kv.Key, kv => Convert.ToBase64String(kv.Value), StringComparer.Ordinal));
        return WebUtility.UrlEncode(json);
    }

    private static void Set(IDictionary<string, string> md, string key, string? value)
    {
        if (value is null)
        {
            md.Remove(key);
        }
        else
        {
            md[key] = value;
        }
    }

    private static uint? ParseUInt(IReadOnlyDictionary<string, string> md, string key) =>
        md.TryGetValue(key, out var s) && uint.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static DateTimeOffset? ParseTime(IReadOnlyDictionary<string, string> md, string key)
    {
        if (!md.TryGetValue(key, out var s))
        {
            return null;
        }

        var parts = s.Trim().Split('.');
        if (parts.Length > 2 || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        long nanos = 0;
        if (parts.Length == 2)
        {
            var frac = parts[1];
            if (frac.Length is 0 or > 9 || !long.TryParse(frac.PadRight(9, '0'), NumberStyles.None, CultureInfo.InvariantCulture, out nanos))
            {
                return null;
            }
        }

        // Years 1..9999 only: DateTimeOffset's range.
        if (seconds is < -62135596800 or > 253402300799)
        {
            return null;
        }

        return DateTimeOffset.UnixEpoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + (nanos / 100));
    }

    private static Dictionary<string, byte[]> ParseXAttrs(IReadOnlyDictionary<string, string> md)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (!md.TryGetValue(XAttrKey, out var encoded))
        {
            return result;
        }

        try
        {
            var json = WebUtility.UrlDecode(encoded);
            var map = JsonSerializer.Deserialize<Dictionary<string, string>>(json);
            if (map is not null)
            {
                foreach (var (name, value) in map)
                {
                    result[name] = Convert.FromBase64String(value);
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            // A foreign or corrupt xattr header: show no xattrs rather than fail the whole file.
            result.Clear();
        }

        return result;
    }

    /// <summary>UTF-8 size of a metadata value set, for the 2 KB budget.</summary>
    public static int MetadataSize(IReadOnlyDictionary<string, string> md) =>
        md.Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + Encoding.UTF8.GetByteCount(kv.Value));
}
