using System.Text.Json;
using System.Text.Json.Serialization;

namespace S3Fs.Core.Volume;

/// <summary>
/// What every mount of a volume must agree on, stored once in the bucket at <c>&lt;root&gt;.s3cfs/volume.json</c>:
/// whether files are encrypted client-side, the block size (plaintext sizes in listings depend on it), and the
/// passphrase KDF parameters (salt, iterations) so every mount derives the same key. It holds no secret: anyone
/// who can read the bucket may read it. Tampering with it can only make mounts fail (a different salt derives a
/// key that matches no object), never weaken existing objects; the KDF parameters are also range-checked on load.
/// </summary>
public sealed record VolumeDescriptor
{
    /// <summary>The document's own format version; unknown versions are refused.</summary>
    public const int CurrentVersion = 1;

    public const string FileName = "volume.json";

    /// <summary>Folder of the volume's own objects, hidden from listings.</summary>
    public const string InternalFolder = ".s3cfs/";

    [JsonPropertyName("version")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary><c>client</c> (format v1 client-side encryption) or <c>none</c>.</summary>
    [JsonPropertyName("encryption")]
    public required string Encryption { get; init; }

    /// <summary>Plaintext block size of every encrypted file of the volume.</summary>
    [JsonPropertyName("block_size")]
    public required int BlockSize { get; init; }

    /// <summary>The passphrase KDF parameters document (see KdfParameters), once a passphrase key was used.</summary>
    [JsonPropertyName("passphrase_kdf")]
    public string? PassphraseKdf { get; init; }

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; init; }

    [JsonIgnore]
    public bool IsEncrypted => Encryption == "client";

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>Parses and validates; throws <see cref="VolumeException"/> naming the problem.</summary>
    public static VolumeDescriptor Parse(ReadOnlySpan<byte> json, string where)
    {
        VolumeDescriptor? d;
        try
        {
            d = JsonSerializer.Deserialize<VolumeDescriptor>(json, Options);
        }
        catch (JsonException e)
        {
            throw new VolumeException($"{where} is not a valid volume descriptor: {e.Message}");
        }

        if (d is null)
        {
            throw new VolumeException($"{where} is empty");
        }

        if (d.Version != CurrentVersion)
        {
            throw new VolumeException($"{where} has version {d.Version}; this s3cfs understands version {CurrentVersion} (upgrade s3cfs)");
        }

        if (d.Encryption is not ("client" or "none"))
        {
            throw new VolumeException($"{where} names encryption '{d.Encryption}'; expected 'client' or 'none'");
        }

        if (d.BlockSize is < 4096 or > 8 << 20 || (d.BlockSize & (d.BlockSize - 1)) != 0)
        {
            throw new VolumeException($"{where} has block size {d.BlockSize}; expected a power of two from 4 KiB to 8 MiB");
        }

        return d;
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary>The volume descriptor is missing, malformed, or disagrees with the options.</summary>
public sealed class VolumeException : Exception
{
    public VolumeException(string message)
        : base(message)
    {
    }

    public VolumeException()
    {
    }

    public VolumeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
