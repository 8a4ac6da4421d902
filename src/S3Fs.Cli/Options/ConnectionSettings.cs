using System.Text.RegularExpressions;

namespace S3Fs.Cli.Options;

/// <summary>Where the bucket is and how to talk to it: the connection options, validated together.</summary>
internal sealed partial record ConnectionSettings
{
    public required string Bucket { get; init; }

    /// <summary>Key prefix of the mount: empty, or ending in '/'.</summary>
    public required string Prefix { get; init; }

    public Uri? Endpoint { get; init; }

    public string? Region { get; init; }

    public bool PathStyle { get; init; }

    public string? Profile { get; init; }

    /// <summary><c>when_supported</c>, <c>when_required</c>, or null for the SDK's default (environment, profile).</summary>
    public string? Checksums { get; init; }

    public bool AllowHttpSseC { get; init; }

    public TimeSpan? RequestTimeout { get; init; }

    public int? Retries { get; init; }

    public int? MaxConnections { get; init; }

    public SseSettings Sse { get; init; } = SseSettings.None;

    /// <summary><c>auto</c>, <c>true</c> or <c>false</c>.</summary>
    public string UploadPartCopy { get; init; } = "auto";

    /// <summary><c>auto</c>, <c>true</c> or <c>false</c>.</summary>
    public string ConditionalWrites { get; init; } = "auto";

    public static ConnectionSettings Bind(OptionSet options)
    {
        var errors = new List<OptionError>();
        var bucket = options.GetText("bucket");
        var bucketSource = options.SourceOf("bucket") ?? default;
        if (bucket is null)
        {
            errors.Add(new OptionError(new OptionSource("options", 0), "no bucket is configured", "add 'bucket = <name>' to the options file or pass -o bucket=<name>"));
        }
        else if (bucket.Contains('/', StringComparison.Ordinal))
        {
            var i = bucket.IndexOf('/', StringComparison.Ordinal);
            errors.Add(new OptionError(bucketSource, $"bucket '{bucket}' contains '/'", $"put the folder in its own option: bucket = {bucket[..i]} and prefix = {bucket[(i + 1)..]}"));
        }
        else if (!BucketName().IsMatch(bucket))
        {
            errors.Add(new OptionError(bucketSource, $"'{bucket}' is not a valid bucket name", "bucket names are 3-63 characters of letters, digits, '.', '-' and '_', starting and ending with a letter or digit"));
        }

        var prefix = NormalizePrefix(options.GetText("prefix"), options.SourceOf("prefix") ?? default, errors);
        var endpoint = options.GetUrl("endpoint");
        var retries = options.GetInteger("retries");
        if (retries is < 1 or > 50)
        {
            errors.Add(new OptionError(options.SourceOf("retries")!.Value, $"retries must be 1 to 50 (attempts, the first included); got {retries}", "the default is 5"));
        }

        var connections = options.GetInteger("max_connections");
        if (connections is < 1 or > 1024)
        {
            errors.Add(new OptionError(options.SourceOf("max_connections")!.Value, $"max_connections must be 1 to 1024; got {connections}", "the default is 64"));
        }

        var timeout = options.GetDuration("request_timeout");
        if (timeout is { } t && t < TimeSpan.FromSeconds(1))
        {
            errors.Add(new OptionError(options.SourceOf("request_timeout")!.Value, $"request_timeout {t.TotalMilliseconds} ms is too short for any S3 request", "use at least 1s (the default is 60s)"));
        }

        SseSettings? sse = null;
        try
        {
            sse = SseSettings.Bind(options, endpoint, options.GetBoolean("allow_http_sse_c") ?? false);
        }
        catch (OptionsException e)
        {
            errors.AddRange(e.Errors);
        }

        if (errors.Count > 0)
        {
            throw new OptionsException(errors);
        }

        return new ConnectionSettings
        {
            Bucket = bucket!,
            Prefix = prefix,
            Endpoint = endpoint,
            Region = options.GetText("region"),
            // S3-compatible servers rarely have wildcard DNS for virtual-hosted buckets.
            PathStyle = options.GetBoolean("path_style") ?? endpoint is not null,
            Profile = options.GetText("profile"),
            Checksums = options.GetText("checksums"),
            AllowHttpSseC = options.GetBoolean("allow_http_sse_c") ?? false,
            RequestTimeout = timeout,
            Retries = (int?)retries,
            MaxConnections = (int?)connections,
            Sse = sse!,
            UploadPartCopy = options.GetText("upload_part_copy") ?? "auto",
            ConditionalWrites = options.GetText("conditional_writes") ?? "auto",
        };
    }

    private static string NormalizePrefix(string? prefix, OptionSource source, List<OptionError> errors)
    {
        if (string.IsNullOrWhiteSpace(prefix))
        {
            return string.Empty;
        }

        var p = prefix.Trim().Trim('/');
        if (p.Length == 0)
        {
            return string.Empty;
        }

        var parts = p.Split('/');
        if (parts.Any(s => s.Length == 0 || s == "." || s == ".."))
        {
            errors.Add(new OptionError(source, $"prefix '{prefix}' has an empty, '.' or '..' component", "write the folder as a/b/c"));
            return string.Empty;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(p) > 512)
        {
            errors.Add(new OptionError(source, "prefix is longer than 512 bytes", "S3 keys are at most 1024 bytes; leave room for the file names"));
        }

        return p + "/";
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$")]
    private static partial Regex BucketName();
}
