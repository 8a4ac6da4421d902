using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Namespace;

/// <summary>
/// Renames a directory on S3, where there is no rename: every object under the old prefix is copied to the new
/// prefix, and only when all copies succeeded are the old objects deleted. A journal object
/// (<c>.s3cfs/renames/&lt;id&gt;.json</c> at the volume root) records the rename first, so a rename that fails half way
/// loses nothing (the source is complete until the last copy is done) and can be completed later: by retrying the
/// same rename, or at the next mount (<see cref="CompletePendingAsync"/>).
/// </summary>
internal sealed partial class DirectoryRenamer
{
    private readonly IObjectStore _store;
    private readonly ObjectCopier _copier;
    private readonly string _journalPrefix;
    private readonly int _parallelism;
    private readonly ILogger _logger;

    public DirectoryRenamer(IObjectStore store, string volumePrefix, int parallelism, ILogger logger)
    {
        _store = store;
        _copier = new ObjectCopier(store);
        _journalPrefix = volumePrefix + DirectoryLister.InternalDirectoryName + "/renames/";
        _parallelism = parallelism;
        _logger = logger;
    }

    /// <summary>Whether a journal says <paramref name="fromKey"/> is being renamed to <paramref name="toKey"/>.</summary>
    public async ValueTask<string?> FindPendingAsync(string fromKey, string toKey, CancellationToken cancellationToken)
    {
        foreach (var (journalKey, entry) in await ReadJournalsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (entry.From == fromKey && entry.To == toKey)
            {
                return journalKey;
            }
        }

        return null;
    }

    /// <summary>Renames every object under <paramref name="fromKey"/> to <paramref name="toKey"/> (both ending in '/').</summary>
    public async ValueTask RenameAsync(string fromKey, string toKey, CancellationToken cancellationToken)
    {
        var journalKey = await FindPendingAsync(fromKey, toKey, cancellationToken).ConfigureAwait(false);
        if (journalKey is null)
        {
            journalKey = _journalPrefix + Guid.NewGuid().ToString("N") + ".json";
            var body = JsonSerializer.SerializeToUtf8Bytes(new JournalEntry(fromKey, toKey, DateTimeOffset.UtcNow));
            await _store.PutAsync(new PutRequest(journalKey, body), cancellationToken).ConfigureAwait(false);
        }

        await RunAsync(journalKey, fromKey, toKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes every rename a journal records (run at mount, before anything is served).</summary>
    public async ValueTask<int> CompletePendingAsync(CancellationToken cancellationToken)
    {
        var journals = await ReadJournalsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (journalKey, entry) in journals)
        {
            LogResuming(_logger, entry.From, entry.To);
            await RunAsync(journalKey, entry.From, entry.To, cancellationToken).ConfigureAwait(false);
        }

        return journals.Count;
    }

    private async ValueTask RunAsync(string journalKey, string fromKey, string toKey, CancellationToken cancellationToken)
    {
        var sources = new List<ListEntry>();
        string? token = null;
        do
        {
            var page = await _store.ListAsync(new ListRequest(fromKey) { Delimiter = null, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            sources.AddRange(page.Objects);
            token = page.NextContinuationToken;
        }
        while (token is not null);

        // Copy everything first; a failure here leaves every source in place.
        await Parallel.ForEachAsync(
            sources,
            new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                await _copier.CopyAsync(new ObjectVersion(entry.Key, entry.ETag), entry.Size, toKey + entry.Key[fromKey.Length..], null, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);

        var result = await _store.DeleteManyAsync(sources.Select(s => s.Key).ToList(), cancellationToken).ConfigureAwait(false);
        if (result.Failed.Count > 0)
        {
            var first = result.Failed[0];
            throw new ObjectStoreException(first.Kind, "DeleteObjects", _store.Bucket, first.Key, $"{result.Failed.Count} old object(s) of a directory rename could not be deleted: {first.Message}");
        }

        await _store.DeleteAsync(journalKey, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<List<(string Key, JournalEntry Entry)>> ReadJournalsAsync(CancellationToken cancellationToken)
    {
        var result = new List<(string, JournalEntry)>();
        var page = await _store.ListAsync(new ListRequest(_journalPrefix) { Delimiter = null }, cancellationToken).ConfigureAwait(false);
        foreach (var obj in page.Objects)
        {
            var buffer = new byte[Math.Min(obj.Size, 64 * 1024)];
            if (buffer.Length == 0)
            {
                continue;
            }

            var got = await _store.GetRangeAsync(new GetRangeRequest(obj.Key, new ByteRange(0, buffer.Length)), buffer, cancellationToken).ConfigureAwait(false);
            try
            {
                var entry = JsonSerializer.Deserialize<JournalEntry>(Encoding.UTF8.GetString(buffer, 0, got.BytesRead));
                if (entry is { From.Length: > 0, To.Length: > 0 })
                {
                    result.Add((obj.Key, entry));
                }
            }
            catch (JsonException)
            {
                LogBadJournal(_logger, obj.Key);
            }
        }

        return result;
    }

    internal sealed record JournalEntry(string From, string To, DateTimeOffset Started);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Completing an interrupted directory rename: {From} -> {To}")]
    private static partial void LogResuming(ILogger logger, string from, string to);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Ignoring unreadable rename journal {Key}")]
    private static partial void LogBadJournal(ILogger logger, string key);
}
