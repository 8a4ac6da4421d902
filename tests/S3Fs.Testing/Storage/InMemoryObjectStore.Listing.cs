using System.Text;
using S3Fs.Core.Storage;

namespace S3Fs.Testing.Storage;

/// <summary>ListObjectsV2 over the in-memory map, with S3's grouping and paging rules.</summary>
public sealed partial class InMemoryObjectStore
{
    /// <summary>Opaque to callers, as S3's are; it encodes the last key or common prefix returned.</summary>
    private const string TokenPrefix = "inmem1:";

    public ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (request.MaxKeys is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.MaxKeys, "MaxKeys must be between 1 and 1000 (the S3 page limit).");
        }

        // A token remembers whether the last thing returned was a common prefix (then everything under it is skipped)
        // or a key (an object key may itself end with the delimiter, such as a directory marker "a/").
        var (marker, markerIsPrefix) = request.ContinuationToken is { } token ? DecodeToken(request.Prefix, token) : (request.StartAfter, false);
        var delimiter = string.IsNullOrEmpty(request.Delimiter) ? null : request.Delimiter;
        List<KeyValuePair<string, StoredObject>> candidates;
        lock (_lock)
        {
            candidates = _objects.Where(p => p.Key.StartsWith(request.Prefix, StringComparison.Ordinal)
                                             && (marker is null || string.CompareOrdinal(p.Key, marker) > 0)).ToList();
        }

        var objects = new List<ListEntry>();
        var prefixes = new List<string>();
        string? last = null;
        var lastIsPrefix = false;
        var truncated = false;
        foreach (var (key, obj) in candidates)
        {
            // Keys inside a common prefix already returned (on this page or, via the token, an earlier one).
            if (lastIsPrefix && key.StartsWith(last!, StringComparison.Ordinal))
            {
                continue;
            }

            if (markerIsPrefix && key.StartsWith(marker!, StringComparison.Ordinal))
            {
                continue;
            }

            if (objects.Count + prefixes.Count == request.MaxKeys)
            {
                truncated = true;
                break;
            }

            var rest = key[request.Prefix.Length..];
            var cut = delimiter is null ? -1 : rest.IndexOf(delimiter, StringComparison.Ordinal);
            if (cut >= 0)
            {
                last = request.Prefix + rest[..(cut + delimiter!.Length)];
                lastIsPrefix = true;
                prefixes.Add(last);
            }
            else
            {
                last = key;
                lastIsPrefix = false;
                objects.Add(new ListEntry(key, obj.Body.Length, obj.ETag, obj.LastModified));
            }
        }

        var next = truncated ? EncodeToken(request.Prefix, last!, lastIsPrefix) : null;
        return ValueTask.FromResult(new ListPage(objects, prefixes, next));
    }

    private static string EncodeToken(string prefix, string last, bool isPrefix)
        => TokenPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(prefix + "\n" + (isPrefix ? "P" : "K") + last));

    private (string Marker, bool IsPrefix) DecodeToken(string prefix, string token)
    {
        try
        {
            if (token.StartsWith(TokenPrefix, StringComparison.Ordinal))
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(token[TokenPrefix.Length..]));
                var newline = text.IndexOf('\n', StringComparison.Ordinal);
                if (newline >= 0 && text[..newline] == prefix && text.Length > newline + 1 && text[newline + 1] is 'P' or 'K')
                {
                    return (text[(newline + 2)..], text[newline + 1] == 'P');
                }
            }
        }
        catch (FormatException)
        {
            // Falls through to the error below.
        }

        throw Error(ObjectStoreErrorKind.Other, "ListObjectsV2", prefix, "InvalidArgument: the continuation token is not valid for this listing");
    }
}
