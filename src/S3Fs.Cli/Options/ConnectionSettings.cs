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
