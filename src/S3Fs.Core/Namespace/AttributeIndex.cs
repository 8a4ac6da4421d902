using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using S3Fs.Core.Content;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Namespace;

/// <summary>
/// One child of a directory attribute index (FILE-FORMAT.md section 7): what a HEAD of the object returned, minus
/// the envelope, with the version of the object it describes.
/// </summary>
/// <param name="Name">The child's name.</param>
/// <param name="ETag">The object's ETag.</param>
/// <param name="ObjectSize">The stored size.</param>
/// <param name="LastModifiedSeconds">Last-Modified in whole seconds since the Unix epoch.</param>
/// <param name="PlainSize">The size a listing shows (plaintext size of a sealed object).</param>
/// <param name="ContentType">The object's Content-Type.</param>
/// <param name="UserMetadata">User metadata without <c>s3cfs-*</c> fields, lower-case names.</param>
public sealed record IndexedEntry(
    string Name,
    ETag ETag,
    long ObjectSize,
    long LastModifiedSeconds,
    long PlainSize,
    string? ContentType,
    IReadOnlyDictionary<string, string> UserMetadata)
{
    /// <summary>Whether the listing's version of an object is the one this entry describes.</summary>
    public bool Describes(ETag etag, long objectSize, DateTimeOffset lastModified) =>
        etag == ETag && objectSize == ObjectSize && lastModified.ToUnixTimeSeconds() == LastModifiedSeconds;

    /// <summary>The metadata to show the file with; never enough to open it (no envelope).</summary>
    public ObjectMetadata Metadata => new() { UserMetadata = UserMetadata, ContentType = ContentType };
}

/// <summary>
/// A directory attribute index, version 1 (FILE-FORMAT.md section 7): the stored attributes of a directory's files,
/// so that a fresh mount lists them with one GET instead of a HEAD per name. A cache that checks itself: an entry is
/// used only for the object version (ETag, size, Last-Modified) it was read from.
/// </summary>
public sealed class AttributeIndex
{
    /// <summary>The value of the <c>format</c> field.</summary>
    public const string FormatName = "s3cfs-attribute-index";

    /// <summary>The one version this code reads and writes.</summary>
    public const int Version = 1;

    /// <summary>Readers ignore larger index objects.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>Writers index at most this many entries (a larger directory has no index).</summary>
    public const int MaxEntries = 100_000;

    /// <summary>The safety margin between an object's Last-Modified and the server time before its metadata was read.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public AttributeIndex(string directory, IEnumerable<IndexedEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(entries);
        Directory = directory;
        var sorted = new SortedDictionary<string, IndexedEntry>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (!sorted.TryAdd(e.Name, e))
            {
                throw new ArgumentException($"'{e.Name}' is indexed twice", nameof(entries));
            }
        }

        Entries = sorted;
    }

    /// <summary>The directory's path relative to the mount prefix: "" for the root, else ending in '/'.</summary>
    public string Directory { get; }

    public IReadOnlyDictionary<string, IndexedEntry> Entries { get; }

    /// <summary>The object key of a directory's index under a mount prefix.</summary>
    public static string KeyFor(string mountPrefix, string directory)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(directory));
        return mountPrefix + DirectoryLister.InternalDirectoryName + "/attrs/" + Convert.ToHexStringLower(hash) + ".json";
    }

    /// <summary>Whether metadata read after the server said <paramref name="serverDate"/> may be indexed for an object last modified at <paramref name="lastModified"/>.</summary>
    public static bool Settled(DateTimeOffset lastModified, DateTimeOffset serverDate) =>
        lastModified.ToUnixTimeSeconds() <= (serverDate - SettleTime).ToUnixTimeSeconds();

    /// <summary>An entry from a HEAD's metadata: the <c>s3cfs-*</c> envelope fields are left out.</summary>
    public static IndexedEntry EntryFor(string name, ETag etag, long objectSize, DateTimeOffset lastModified, long plainSize, ObjectMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var user = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in metadata.UserMetadata)
        {
            if (!FileContent.IsContentMetadata(k))
            {
                user[k.ToLowerInvariant()] = v;
            }
        }

        return new IndexedEntry(name, etag, objectSize, lastModified.ToUnixTimeSeconds(), plainSize, metadata.ContentType, user);
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(
        new Document
        {
            Format = FormatName,
            Version = Version,
            Directory = Directory,
            Entries = Entries.Values.Select(e => new DocumentEntry
            {
                Name = e.Name,
                ETag = e.ETag.Value,
                Size = e.ObjectSize,
                LastModified = e.LastModifiedSeconds,
                PlainSize = e.PlainSize,
                ContentType = e.ContentType,
                Metadata = new SortedDictionary<string, string>(e.UserMetadata.ToDictionary(), StringComparer.Ordinal),
            }).ToList<DocumentEntry?>(),
        },
        Json);

    /// <summary>
    /// Parses an index object; null with <paramref name="problem"/> saying why when it is not a version 1 index of
    /// <paramref name="directory"/>. Entries carrying an <c>s3cfs-*</c> field are dropped (no writer puts one there).
    /// </summary>
    public static AttributeIndex? TryParse(ReadOnlySpan<byte> json, string directory, out string? problem)
    {
        Document? doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(json, Json);
        }
        catch (JsonException e)
        {
            problem = "it is not valid JSON of the expected shape: " + e.Message;
            return null;
        }

        if (doc is null || doc.Format != FormatName)
        {
            problem = $"its format is '{doc?.Format}', not '{FormatName}'";
            return null;
        }

        if (doc.Version != Version)
        {
            problem = $"it is version {doc.Version}; this S3Fs reads version {Version}";
            return null;
        }

        if (doc.Directory != directory)
        {
            problem = $"it describes directory '{doc.Directory}', not '{directory}'";
            return null;
        }

        var entries = new List<IndexedEntry>(doc.Entries?.Count ?? 0);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in doc.Entries ?? [])
        {
            if (e is null || string.IsNullOrEmpty(e.Name) || string.IsNullOrEmpty(e.ETag) || e.Size < 0 || e.PlainSize < 0 || !seen.Add(e.Name))
            {
                problem = $"an entry ('{e?.Name}') is empty, incomplete, negative or repeated";
                return null;
            }

            var md = e.Metadata ?? new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (md.Any(p => p.Value is null))
            {
                problem = $"the entry of '{e.Name}' has a metadata field without a value";
                return null;
            }

            if (md.Keys.Any(FileContent.IsContentMetadata))
            {
                continue;
            }

            entries.Add(new IndexedEntry(e.Name, new ETag(e.ETag), e.Size, e.LastModified, e.PlainSize, e.ContentType, md));
        }

        problem = null;
        return new AttributeIndex(directory, entries);
    }

    private sealed class Document
    {
        public string? Format { get; set; }

        public int Version { get; set; }

        public string? Directory { get; set; }

        public List<DocumentEntry?>? Entries { get; set; }
    }

    private sealed class DocumentEntry
    {
        public string? Name { get; set; }

        [JsonPropertyName("etag")]
        public string? ETag { get; set; }

        public long Size { get; set; }

        public long LastModified { get; set; }

        public long PlainSize { get; set; }

        public string? ContentType { get; set; }

        public SortedDictionary<string, string>? Metadata { get; set; }
    }
}
