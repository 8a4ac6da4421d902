using System.Globalization;

namespace S3Fs.Cli.Options;

/// <summary>Parsers for option values. Each returns false with a reason a user can act on.</summary>
internal static class ValueParsers
{
    private static readonly (string Suffix, long Factor)[] SizeUnits =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1000L), ("MB", 1000L * 1000), ("GB", 1000L * 1000 * 1000), ("TB", 1000L * 1000 * 1000 * 1000),
        ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("T", 1L << 40),
        ("B", 1L),
    ];

    public static bool TryParseBoolean(string text, out bool value, out string? error)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true":
                value = true;
                error = null;
                return true;
            case "false":
                value = false;
                error = null;
                return true;
            default:
                value = false;
                error = $"'{text}' is not a boolean: use true or false";
                return false;
        }
    }

    /// <summary>Sizes: a whole number of bytes, optionally with a unit (KiB, MiB, GiB, TiB; KB, MB, GB, TB; K, M, G, T = binary).</summary>
    public static bool TryParseSize(string text, out long value, out string? error)
    {
        value = 0;
        var t = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in SizeUnits)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && t.Length > suffix.Length)
            {
                factor = f;
                t = t[..^suffix.Length].TrimEnd();
                break;
            }
        }

        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            error = $"'{text}' is not a size: use a whole number with an optional unit, such as 65536, 64KiB, 256MiB or 1GiB";
            return false;
        }

        try
        {
            value = checked(n * factor);
        }
        catch (OverflowException)
        {
            error = $"'{text}' is too large";
            return false;
        }

        error = null;
        return true;
    }

    public static bool TryParseInteger(string text, out long value, out string? error)
    {
        if (long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            error = null;
            return true;
        }

        error = $"'{text}' is not a whole number";
        return false;
    }

    /// <summary>Durations: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>, or a plain number of seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value, out string? error)
    {
        value = default;
        var t = text.Trim().ToLowerInvariant();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        double factor = 1;
        foreach (var (suffix, seconds) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && t.Length > suffix.Length && char.IsDigit(t[^(suffix.Length + 1)]))
            {
                factor = seconds;
                t = t[..^suffix.Length];
                break;
            }
        }

        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n < 0 || double.IsInfinity(n))
        {
            error = $"'{text}' is not a duration: use a number with a unit, such as 250ms, 30s, 5m or 1h";
            return false;
        }

        value = TimeSpan.FromSeconds(n * factor);
        error = null;
        return true;
    }

    public static bool TryParseOctal(string text, out uint value, out string? error)
    {
        value = 0;
        var t = text.Trim();
        if (t.Length == 0 || t.Length > 5 || t.Any(c => c is < '0' or > '7'))
        {
            error = $"'{text}' is not an octal mode: use digits 0-7, such as 022 or 0644";
            return false;
        }

        value = Convert.ToUInt32(t, 8);
        if (value > 0x0FFF)
        {
            error = $"'{text}' is larger than 07777";
            return false;
        }

        error = null;
        return true;
    }

    public static bool TryParseUrl(string text, out Uri? value, out string? error)
    {
        value = null;
        var t = text.Trim();
        if (!t.Contains("://", StringComparison.Ordinal))
        {
            // HTTPS unless the user says otherwise.
            t = "https://" + t;
        }

        if (!Uri.TryCreate(t, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{text}' is not an http(s) URL such as https://s3.example.com or http://127.0.0.1:7480";
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            error = $"'{text}' has a path or query; an endpoint is scheme, host and port only (put the folder in 'prefix')";
            return false;
        }

        value = uri;
        error = null;
        return true;
    }

    /// <summary>
    /// <c>a:b,c:d</c> (or <c>a=b;c=d</c>) into a map; keys unique, neither part empty. Pairs are separated by ',' or
    /// ';' (use ';' on the command line, where ',' separates options); key and value by the first ':' or '='.
    /// </summary>
    public static bool TryParseMap(string text, out IReadOnlyDictionary<string, string> value, out string? error)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        value = map;
        foreach (var part in SplitList(text))
        {
            var i = part.IndexOfAny([':', '=']);
            if (i <= 0 || i == part.Length - 1)
            {
                error = $"'{part}' is not a key:value pair (write pairs as key:value;key2:value2)";
                return false;
            }

            var k = part[..i].Trim();
            if (!map.TryAdd(k, part[(i + 1)..].Trim()))
            {
                error = $"key '{k}' appears twice";
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>Items of a list value: separated by ',' or ';' (';' on the command line), blanks dropped.</summary>
    public static string[] SplitList(string text) =>
        text.Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Human form of a size for messages and docs: 64KiB, 1GiB, 1000.</summary>
    public static string FormatSize(long bytes)
    {
        foreach (var (suffix, factor) in new[] { ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10) })
        {
            if (bytes >= factor && bytes % factor == 0)
            {
                return (bytes / factor).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
