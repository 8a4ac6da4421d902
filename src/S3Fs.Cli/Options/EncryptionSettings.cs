using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Cli.Options;

/// <summary>The encryption options, parsed and checked together.</summary>
internal sealed record EncryptionSettings
{
    public required bool Encrypt { get; init; }

    /// <summary>The key that wraps new data keys; null only with encryption = none.</summary>
    public KeySpec? MasterKey { get; init; }

    public IReadOnlyList<KeySpec> OldKeys { get; init; } = [];

    public string? KmsRegion { get; init; }

    public Uri? KmsEndpoint { get; init; }

    public IReadOnlyDictionary<string, string> KmsContext { get; init; } = new Dictionary<string, string>();

    /// <summary>block_size if set (for a new volume).</summary>
    public int? BlockSize { get; init; }

    /// <summary>Where block_size was set, for messages.</summary>
    public OptionSource? BlockSizeSource { get; init; }

    public IEnumerable<KeySpec> AllKeys => MasterKey is null ? OldKeys : OldKeys.Prepend(MasterKey);

    public static EncryptionSettings Bind(OptionSet options)
    {
        var errors = new List<OptionError>();
        var encrypt = (options.GetText("encryption") ?? "client") == "client";
        var master = ParseKey(options, "master_key", options.GetText("master_key"), errors);
        var old = options.GetList("old_keys").Select(s => ParseKey(options, "old_keys", s, errors)).OfType<KeySpec>().ToList();
        if (encrypt && master is null && !errors.Any(e => e.Message.Contains("master_key", StringComparison.Ordinal)))
        {
            errors.Add(new OptionError(
                options.SourceOf("encryption") ?? new OptionSource("options", 0),
                "encryption = client needs a master_key",
                "create a key with 's3cfs keygen /etc/s3cfs/my.key' and add 'master_key = file:/etc/s3cfs/my.key', or set encryption = none to store plain objects"));
        }

        if (!encrypt && master is not null)
        {
            errors.Add(new OptionError(options.SourceOf("master_key")!.Value, "master_key is set but encryption = none", "remove master_key, or set encryption = client"));
        }

        int? blockSize = null;
        if (options.GetSize("block_size") is { } bs)
        {
            if (bs < FormatV1.MinBlockSize || bs > FormatV1.MaxBlockSize || (bs & (bs - 1)) != 0)
            {
                errors.Add(new OptionError(options.SourceOf("block_size")!.Value, $"block_size {ValueParsers.FormatSize(bs)} is not a power of two from {ValueParsers.FormatSize(FormatV1.MinBlockSize)} to {ValueParsers.FormatSize(FormatV1.MaxBlockSize)}", "64KiB is the measured default"));
            }
            else
            {
                blockSize = (int)bs;
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsException(errors);
        }

        return new EncryptionSettings
        {
            Encrypt = encrypt,
            MasterKey = master,
            OldKeys = old,
            KmsRegion = options.GetText("kms_region"),
            KmsEndpoint = options.GetUrl("kms_endpoint"),
            KmsContext = options.GetMap("kms_context") ?? new Dictionary<string, string>(),
            BlockSize = blockSize,
            BlockSizeSource = options.SourceOf("block_size"),
        };
    }

    private static KeySpec? ParseKey(OptionSet options, string option, string? text, List<OptionError> errors)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return KeySpec.Parse(text) switch
            {
                FileKeySpec f => new FileKeySpec(Resolve(options, f.Path)),
                PassphraseKeySpec p => new PassphraseKeySpec(Resolve(options, p.Path)),
                RsaKeySpec r => new RsaKeySpec(Resolve(options, r.Path)),
                var spec => spec,
            };
        }
        catch (KeyConfigurationException e)
        {
            errors.Add(new OptionError(options.SourceOf(option) ?? default, $"bad value for '{option}': {e.Message.TrimEnd('.')}"));
            return null;
        }
    }

    /// <summary>Key paths are relative to the options file, like every other path in it.</summary>
    private static string Resolve(OptionSet options, string path) =>
        Path.IsPathRooted(path) || options.BaseDirectory is null ? path : Path.GetFullPath(Path.Combine(options.BaseDirectory, path));
}
