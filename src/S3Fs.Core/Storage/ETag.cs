namespace S3Fs.Core.Storage;

/// <summary>
/// An S3 entity tag, always held <b>unquoted</b> (the form RGW accepts in <c>If-Match</c>). Adapters add quotes
/// where a server wants them; the core compares and stores only this normalized form.
/// </summary>
public readonly record struct ETag
{
    public ETag(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = Normalize(value);
    }

    /// <summary>The tag without surrounding quotes or a weak prefix.</summary>
    public string Value { get; }

    public bool IsEmpty => string.IsNullOrEmpty(Value);

    /// <summary>The RFC 7232 form, with quotes.</summary>
    public string Quoted => "\"" + Value + "\"";

    public static ETag Parse(string? raw) => new(raw ?? string.Empty);

    private static string Normalize(string raw)
    {
        var s = raw.Trim();
        if (s.StartsWith("W/", StringComparison.Ordinal))
        {
            s = s[2..];
        }

        if (s.Length >= 2 && s[0] == '"' && s[^1] == '"')
        {
            s = s[1..^1];
        }

        return s;
    }

    public override string ToString() => Value;
}

/// <summary>The identity of one version of one object: every cache is keyed by it.</summary>
public sealed record ObjectVersion(string Key, ETag ETag);
