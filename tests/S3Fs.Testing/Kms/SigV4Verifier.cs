using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace S3Fs.Testing.Kms;

/// <summary>
/// Checks AWS Signature Version 4 on a raw request the way AWS does: rebuild the canonical request from what was
/// received (method, double-encoded path, sorted query, the signed headers' trimmed values, SHA-256 of the body),
/// derive the signing key from the secret of the access key in the credential scope, and compare signatures in
/// constant time. Without this the test server would accept anything, and tests could not show that the real SDK's
/// requests are signed correctly or that tampering is caught.
/// </summary>
internal sealed class SigV4Verifier(Func<string, string?> secretForAccessKey, string region, string service, TimeProvider time)
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>AWS refuses SigV4 requests whose timestamp is more than 5 minutes from its clock.</summary>
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Headers that must be covered by the signature, or the request could be retargeted undetected.</summary>
    private static readonly string[] RequiredSignedHeaders = ["host", "x-amz-target"];

    /// <summary>Returns the access key id of a correctly signed request; throws the AWS error otherwise.</summary>
    public string Verify(RawHttpRequest request)
    {
        var authorization = request.Header("Authorization")
            ?? throw new KmsFaultException("MissingAuthenticationTokenException", "Missing Authentication Token");
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw new KmsFaultException("IncompleteSignatureException", $"Unsupported authorization type; expected {Algorithm}.");
        }

        var fields = ParseAuthorization(authorization[(Algorithm.Length + 1)..]);
        var credential = fields.GetValueOrDefault("Credential")?.Split('/');
        var signedHeaders = fields.GetValueOrDefault("SignedHeaders")?.Split(';');
        var signature = fields.GetValueOrDefault("Signature");
        if (credential is not { Length: 5 } || signedHeaders is null || signature is null)
        {
            throw new KmsFaultException(
                "IncompleteSignatureException",
                "Authorization header requires 'Credential' (5 parts), 'SignedHeaders' and 'Signature'.");
        }

        var (accessKey, date, scopeRegion, scopeService, terminator) = (credential[0], credential[1], credential[2], credential[3], credential[4]);
        if (request.Header("X-Amz-Security-Token") is not null || secretForAccessKey(accessKey) is not { } secret)
        {
            throw new KmsFaultException("UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        CheckScope(date, scopeRegion, scopeService, terminator);
        var amzDate = request.Header("X-Amz-Date")
            ?? throw new KmsFaultException("IncompleteSignatureException", "Authorization header requires existence of a 'X-Amz-Date' header.");
        CheckTimestamp(amzDate, date);
        foreach (var required in RequiredSignedHeaders.Append("x-amz-date"))
        {
            if (!signedHeaders.Contains(required, StringComparer.Ordinal))
            {
                throw new KmsFaultException("InvalidSignatureException", $"'{required}' must be a signed header.");
            }
        }

        var payloadHash = Hex(SHA256.HashData(request.Body));
        if (request.Header("X-Amz-Content-SHA256") is { } declared && !string.Equals(declared, payloadHash, StringComparison.Ordinal))
        {
            throw new KmsFaultException("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        var canonicalRequest = string.Join(
            '\n',
            request.Method,
            CanonicalUri(request.Path),
            CanonicalQuery(request.Query),
            CanonicalHeaders(request, signedHeaders),
            string.Join(';', signedHeaders),
            payloadHash);
        var scope = $"{date}/{scopeRegion}/{scopeService}/{terminator}";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var expected = Hex(HMACSHA256.HashData(SigningKey(secret, date, scopeRegion, scopeService), Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw new KmsFaultException(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
        }

        return accessKey;
    }

    private static Dictionary<string, string> ParseAuthorization(string parameters)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parameters.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                fields[part[..eq]] = part[(eq + 1)..];
            }
        }

        return fields;
    }

    private void CheckScope(string date, string scopeRegion, string scopeService, string terminator)
    {
        if (!string.Equals(scopeRegion, region, StringComparison.Ordinal))
        {
            throw new KmsFaultException("InvalidSignatureException", $"Credential should be scoped to a valid region, not '{scopeRegion}'.");
        }

        if (!string.Equals(scopeService, service, StringComparison.Ordinal))
        {
            throw new KmsFaultException("InvalidSignatureException", $"Credential should be scoped to correct service: '{service}'.");
        }

        if (terminator != "aws4_request" || date.Length != 8)
        {
            throw new KmsFaultException("IncompleteSignatureException", "Credential scope must be <date>/<region>/<service>/aws4_request.");
        }
    }

    private void CheckTimestamp(string amzDate, string scopeDate)
    {
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw new KmsFaultException("IncompleteSignatureException", $"X-Amz-Date '{amzDate}' is not in the form yyyyMMddTHHmmssZ.");
        }

        if (!amzDate.StartsWith(scopeDate, StringComparison.Ordinal))
        {
            throw new KmsFaultException("InvalidSignatureException", $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scopeDate}' != '{amzDate[..8]}'.");
        }

        var now = time.GetUtcNow();
        if ((now - signedAt).Duration() > MaxClockSkew)
        {
            throw new KmsFaultException("InvalidSignatureException", $"Signature expired: {amzDate} is now earlier or later than {now:yyyyMMdd'T'HHmmss'Z'} by more than 5 minutes.");
        }
    }

    /// <summary>Services other than S3 encode each path segment twice: the received (once-encoded) segment is encoded again.</summary>
    private static string CanonicalUri(string path)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        return string.Join('/', path.Split('/').Select(UriEncode));
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return string.Empty;
        }

        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: UriEncode(Uri.UnescapeDataString(p[0])), Value: UriEncode(Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty))))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => $"{p.Key}={p.Value}"));
    }

    private static string CanonicalHeaders(RawHttpRequest request, string[] signedHeaders)
    {
        var builder = new StringBuilder();
        foreach (var name in signedHeaders)
        {
            var values = request.Headers
                .Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
                .Select(h => CollapseSpaces(h.Value.Trim()))
                .ToList();
            if (values.Count == 0)
            {
                throw new KmsFaultException("InvalidSignatureException", $"Signed header '{name}' is missing from the request.");
            }

            builder.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }

        return builder.ToString();
    }

    private static string CollapseSpaces(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c != ' ' || builder.Length == 0 || builder[^1] != ' ')
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>RFC 3986 encoding as SigV4 specifies: unreserved characters stay, everything else is %XX (upper case).</summary>
    private static string UriEncode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static byte[] SigningKey(string secret, string date, string scopeRegion, string scopeService)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scopeRegion));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scopeService));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
