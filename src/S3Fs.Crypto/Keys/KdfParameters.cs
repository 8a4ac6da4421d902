using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// How a passphrase becomes a master key: PBKDF2-HMAC-SHA256 with a salt and an iteration count. The mount stores
/// this as a small JSON document in the bucket, so every mount derives the same key; parsing is strict and bounded
/// because that document is only as trustworthy as the bucket (see docs/SECURITY.md).
/// </summary>
public sealed class KdfParameters
{
    public const string Pbkdf2Sha256 = "pbkdf2-sha256";

    /// <summary>The document's format version.</summary>
    public const int DocumentVersion = 1;

    /// <summary>OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256; also the floor a stored document may ask for.</summary>
    public const int DefaultIterations = 600_000;

    public const int MinIterations = DefaultIterations;

    /// <summary>About 5 s of derivation on one core here: a cap so a hostile document cannot stall a mount for hours.</summary>
    public const int MaxIterations = 10_000_000;

    /// <summary>New salts are 256 bits; stored ones may be 128 to 512 bits.</summary>
    public const int DefaultSaltSize = 32;

    public const int MinSaltSize = 16;

    public const int MaxSaltSize = 64;

    private readonly byte[] _salt;

    public KdfParameters(string algorithm, int iterations, ReadOnlySpan<byte> salt)
    {
        if (algorithm != Pbkdf2Sha256)
        {
            throw new KeyConfigurationException($"Unknown key-derivation algorithm '{algorithm}'; S3Fs supports '{Pbkdf2Sha256}'.");
        }

        if (iterations is < MinIterations or > MaxIterations)
        {
            throw new KeyConfigurationException(
                $"PBKDF2 iteration count {iterations} is outside {MinIterations}..{MaxIterations}: fewer makes the passphrase cheap to guess, more stalls every mount.");
        }

        if (salt.Length is < MinSaltSize or > MaxSaltSize)
        {
            throw new KeyConfigurationException($"The PBKDF2 salt is {salt.Length} bytes; it must be {MinSaltSize} to {MaxSaltSize}.");
        }

        Algorithm = algorithm;
        Iterations = iterations;
        _salt = salt.ToArray();
    }

    public string Algorithm { get; }

    public int Iterations { get; }

    public ReadOnlyMemory<byte> Salt => _salt;

    /// <summary>Fresh parameters for a new bucket: a random 256-bit salt and the default iteration count.</summary>
    public static KdfParameters CreateNew(int iterations = DefaultIterations)
    {
        Span<byte> salt = stackalloc byte[DefaultSaltSize];
        RandomNumberGenerator.Fill(salt);
        return new KdfParameters(Pbkdf2Sha256, iterations, salt);
    }

    /// <summary>Derives the 32-byte master key from <paramref name="passphrase"/> into <paramref name="destination"/>.</summary>
    public void Derive(ReadOnlySpan<byte> passphrase, Span<byte> destination) =>
        Rfc2898DeriveBytes.Pbkdf2(passphrase, _salt, destination[..32], Iterations, HashAlgorithmName.SHA256);

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", DocumentVersion);
            writer.WriteString("algorithm", Algorithm);
            writer.WriteNumber("iterations", Iterations);
            writer.WriteString("salt", Convert.ToBase64String(_salt));
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Parses the JSON document strictly: exactly the four known properties, each once, each in range.</summary>
    public static KdfParameters FromJson(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new KeyConfigurationException($"The key-derivation parameters are not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new KeyConfigurationException("The key-derivation parameters must be a JSON object.");
            }

            var seen = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name is not ("version" or "algorithm" or "iterations" or "salt"))
                {
                    throw new KeyConfigurationException($"Unknown property '{property.Name}' in the key-derivation parameters; expected version, algorithm, iterations, salt.");
                }

                if (!seen.TryAdd(property.Name, property.Value))
                {
                    throw new KeyConfigurationException($"Property '{property.Name}' appears twice in the key-derivation parameters.");
                }
            }

            var version = Int(seen, "version");
            if (version != DocumentVersion)
            {
                throw new KeyConfigurationException($"Key-derivation parameters version {version} is unknown; this S3Fs reads version {DocumentVersion}.");
            }

            var algorithm = Str(seen, "algorithm");
            var iterations = Int(seen, "iterations");
            var saltText = Str(seen, "salt");
            byte[] salt;
            try
            {
                salt = Convert.FromBase64String(saltText);
            }
            catch (FormatException ex)
            {
                throw new KeyConfigurationException($"The key-derivation salt '{saltText}' is not base64.", ex);
            }

            return new KdfParameters(algorithm, iterations, salt);
        }
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Algorithm}, {Iterations} iterations, {_salt.Length}-byte salt");

    private static JsonElement Get(Dictionary<string, JsonElement> seen, string name) =>
        seen.TryGetValue(name, out var value)
            ? value
            : throw new KeyConfigurationException($"The key-derivation parameters lack property '{name}'.");

    private static int Int(Dictionary<string, JsonElement> seen, string name)
    {
        var element = Get(seen, name);
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var value))
        {
            throw new KeyConfigurationException($"Property '{name}' of the key-derivation parameters must be an integer; it is {element.GetRawText()}.");
        }

        return value;
    }

    private static string Str(Dictionary<string, JsonElement> seen, string name)
    {
        var element = Get(seen, name);
        if (element.ValueKind != JsonValueKind.String)
        {
            throw new KeyConfigurationException($"Property '{name}' of the key-derivation parameters must be a string; it is {element.GetRawText()}.");
        }

        return element.GetString()!;
    }
}
