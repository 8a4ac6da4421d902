using System.Collections.Concurrent;

namespace S3Fs.Cli.Diagnostics;

/// <summary>Counts KMS requests by operation (each attempt, retries included), for <c>s3cfs stats</c>.</summary>
internal sealed class KmsCallCounter
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Records one request, named by its SDK request type ("GenerateDataKeyRequest" → "GenerateDataKey").</summary>
    public void Record(string requestTypeName)
    {
        var name = requestTypeName.EndsWith("Request", StringComparison.Ordinal) ? requestTypeName[..^"Request".Length] : requestTypeName;
        _counts.AddOrUpdate(name, 1, (_, n) => n + 1);
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);
}
