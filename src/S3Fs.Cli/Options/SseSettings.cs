namespace S3Fs.Cli.Options;

/// <summary>Server-side encryption options, checked together (and against the endpoint).</summary>
internal sealed record SseSettings
{
    public static readonly SseSettings None = new();

    /// <summary><c>none</c>, <c>s3</c>, <c>kms</c> or <c>c</c>.</summary>
    public string Mode { get; init; } = "none";

    public string? KmsKeyId { get; init; }

    public IReadOnlyDictionary<string, string>? KmsContext { get; init; }

    public bool BucketKey { get; init; }

    public string? CustomerKeyFile { get; init; }

    public IReadOnlyList<string> OldCustomerKeyFiles { get; init; } = [];

    public static SseSettings Bind(OptionSet options, Uri? endpoint, bool allowHttpSseC)
    {
        var errors = new List<OptionError>();
        var mode = options.GetText("sse") ?? "none";
        var modeSource = options.SourceOf("sse") ?? new OptionSource("options", 0);
        foreach (var name in new[] { "sse_kms_key_id", "sse_kms_context", "sse_bucket_key" })
        {
            if (options.IsSet(name) && mode != "kms")
            {
                errors.Add(new OptionError(options.SourceOf(name)!.Value, $"{name} is set but sse = {mode}", "set sse = kms, or remove it"));
            }
        }

        var keyFile = options.GetPath("sse_c_key");
        if (keyFile is not null && mode != "c")
        {
            errors.Add(new OptionError(options.SourceOf("sse_c_key")!.Value, $"sse_c_key is set but sse = {mode}", "set sse = c, or remove it (older SSE-C keys for reading go in sse_c_old_keys)"));
        }

        if (mode == "c" && keyFile is null)
        {
            errors.Add(new OptionError(modeSource, "sse = c needs a customer key", "add 'sse_c_key = <file>' (32 random bytes: head -c 32 /dev/urandom > FILE; chmod 600 FILE)"));
        }

        var http = (endpoint?.Scheme ?? "https") == Uri.UriSchemeHttp;
        if ((mode == "c" || options.IsSet("sse_c_old_keys")) && http && !allowHttpSseC)
        {
            errors.Add(new OptionError(
                modeSource,
                $"SSE-C sends the customer key with every request, and the endpoint {endpoint} is plain http",
                "use an https:// endpoint, or set allow_http_sse_c = true for a local test server"));
        }

        if (errors.Count > 0)
        {
            throw new OptionsException(errors);
        }

        return new SseSettings
        {
            Mode = mode,
            KmsKeyId = options.GetText("sse_kms_key_id"),
            KmsContext = options.GetMap("sse_kms_context"),
            BucketKey = options.GetBoolean("sse_bucket_key") ?? false,
            CustomerKeyFile = keyFile,
            OldCustomerKeyFiles = options.GetList("sse_c_old_keys").Select(p => Path.IsPathRooted(p) || options.BaseDirectory is null ? p : Path.GetFullPath(Path.Combine(options.BaseDirectory, p))).ToList(),
        };
    }
}
