using System.Text;

namespace S3Fs.Crypto.Format;

/// <summary>
/// An object's envelope is missing, malformed or of a kind this version does not read. The message names the field
/// and the offending value (shortened and escaped: values come from the bucket and may be hostile).
/// </summary>
public sealed class EnvelopeFormatException : Exception
{
    /// <summary>Values longer than this are cut in messages so a hostile header cannot flood a log.</summary>
    private const int MaxQuotedLength = 80;

    public EnvelopeFormatException(string field, string? value, string problem)
        : base(Describe(field, value, problem))
    {
        Field = field;
        Value = value;
    }

    public EnvelopeFormatException()
    {
        Field = string.Empty;
    }

    public EnvelopeFormatException(string message)
        : base(message)
    {
        Field = string.Empty;
    }

    public EnvelopeFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = string.Empty;
    }

    /// <summary>The metadata name at fault.</summary>
    public string Field { get; }

    /// <summary>Its value as found, or null when the field is missing.</summary>
    public string? Value { get; }

    internal static string Quote(string value)
    {
        var sb = new StringBuilder(Math.Min(value.Length, MaxQuotedLength) + 16);
        sb.Append('\'');
        foreach (var c in value.Length > MaxQuotedLength ? value[..MaxQuotedLength] : value)
        {
            if (c is >= ' ' and <= '~' && c != '\'' && c != '\\')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        sb.Append('\'');
        if (value.Length > MaxQuotedLength)
        {
            sb.Append("... (").Append(value.Length).Append(" characters)");
        }

        return sb.ToString();
    }

    private static string Describe(string field, string? value, string problem) =>
        value is null
            ? $"Envelope field '{field}' is missing: {problem}"
            : $"Envelope field '{field}' has value {Quote(value)}: {problem}";
}
