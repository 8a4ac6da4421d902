using System.Text.RegularExpressions;

namespace S3Fs.Aws.Kms;

/// <summary>
/// A KMS key as the user names it in a <c>kms:</c> key spec: key id, key ARN, alias name (<c>alias/name</c>) or alias
/// ARN. Parsed up front so that a typo is reported at mount time with an example, not as a NotFound from KMS, and
/// so that the region in an ARN can be used when <c>kms_region</c> is not given.
/// </summary>
public sealed partial record KmsKeyIdentifier
{
    /// <summary>The prefix of a KMS key spec in the key options (<c>key=kms:alias/s3cfs</c>).</summary>
    public const string SpecPrefix = "kms:";

    private const string Forms =
        "a key id (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...), a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), "
        + "an alias (alias/NAME) or an alias ARN (arn:aws:kms:REGION:ACCOUNT:alias/NAME)";

    private KmsKeyIdentifier(string value, string? arnRegion, bool isAlias)
    {
        Value = value;
        ArnRegion = arnRegion;
        IsAlias = isAlias;
    }

    /// <summary>The identifier as KMS accepts it in <c>KeyId</c>.</summary>
    public string Value { get; }

    /// <summary>The region named by an ARN, or null for a bare key id or alias.</summary>
    public string? ArnRegion { get; }

    /// <summary>True for alias names and alias ARNs, which must be resolved to a key ARN before use.</summary>
    public bool IsAlias { get; }

    /// <summary>Parses a spec with or without the <c>kms:</c> prefix; throws <see cref="ArgumentException"/> naming the accepted forms.</summary>
    public static KmsKeyIdentifier Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var value = spec.StartsWith(SpecPrefix, StringComparison.Ordinal) ? spec[SpecPrefix.Length..] : spec;
        if (value.Length == 0)
        {
            throw new ArgumentException($"The KMS key spec '{spec}' names no key; give {Forms}, e.g. kms:alias/s3cfs.", nameof(spec));
        }

        if (value.StartsWith("arn:", StringComparison.Ordinal))
        {
            var match = ArnPattern().Match(value);
            if (!match.Success)
            {
                throw new ArgumentException($"The KMS key spec '{spec}' is not a valid KMS key or alias ARN; give {Forms}.", nameof(spec));
            }

            var isAlias = match.Groups["kind"].Value == "alias";
            if (!isAlias && !KeyIdPattern().IsMatch(match.Groups["name"].Value))
            {
                throw new ArgumentException($"The key id in the ARN '{spec}' is not a KMS key id (a UUID or mrk-<32 hex digits>).", nameof(spec));
            }

            return new KmsKeyIdentifier(value, match.Groups["region"].Value, isAlias);
        }

        if (value.StartsWith("alias/", StringComparison.Ordinal))
        {
            if (!AliasNamePattern().IsMatch(value[6..]))
            {
                throw new ArgumentException(
                    $"The KMS alias '{value}' is not valid: after 'alias/' use 1-250 of A-Z a-z 0-9 / _ -.", nameof(spec));
            }

            return new KmsKeyIdentifier(value, null, isAlias: true);
        }

        if (!KeyIdPattern().IsMatch(value))
        {
            throw new ArgumentException($"The KMS key spec '{spec}' is not {Forms}.", nameof(spec));
        }

        return new KmsKeyIdentifier(value, null, isAlias: false);
    }

    public override string ToString() => Value;

    [GeneratedRegex(@"^arn:aws[a-z-]*:kms:(?<region>[a-z0-9-]+):(?<account>[0-9]{12}):(?<kind>key|alias)/(?<name>[A-Za-z0-9/_-]+)$")]
    private static partial Regex ArnPattern();

    [GeneratedRegex("^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$")]
    private static partial Regex KeyIdPattern();

    [GeneratedRegex("^[A-Za-z0-9/_-]{1,250}$")]
    private static partial Regex AliasNamePattern();
}
