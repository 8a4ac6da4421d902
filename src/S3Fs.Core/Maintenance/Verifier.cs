using System.Buffers;
using System.Security.Cryptography;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Core.Maintenance;

/// <summary>How <see cref="Verifier"/> reads.</summary>
public sealed record VerifyOptions
{
    /// <summary>
    /// Bytes per ranged GET, rounded down to whole sealed blocks (at least one): 8 MiB, the request size AWS
    /// recommends for throughput. With one read ahead, an object being verified holds two such buffers.
    /// </summary>
    public int ReadSize { get; init; } = 8 << 20;

    /// <summary>The volume's block size; an object sealed with another one is reported as a warning. Null: not checked.</summary>
    public int? VolumeBlockSize { get; init; }
}

/// <summary>
/// <c>s3cfs verify</c> for one object: authenticates everything that makes it readable, in the order a reader
/// trusts it: the envelope parses, its key is configured and unwraps the data key, the key commitment holds, the
/// object size is one a sealed body can have, and every block opens with its index and the final-block flag on the
/// last block only (so truncation and extension at a block boundary are found). The object is read once, in ranged
/// GETs pinned to the ETag of its HEAD, one read ahead of the block checks; nothing is written and no plaintext leaves
/// this class. A bad object is named with the first reason found; a plain object is a warning, not a failure.
/// </summary>
public sealed class Verifier : IMaintenanceTask
{
    private readonly IObjectStore _store;
    private readonly FileCipherFactory _ciphers;
    private readonly VerifyOptions _options;

    public Verifier(IObjectStore store, FileCipherFactory ciphers, VerifyOptions? options = null)
    {
        _store = store;
        _ciphers = ciphers;
        _options = options ?? new VerifyOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.ReadSize);
    }

    public async ValueTask<ObjectOutcome> ProcessAsync(ListEntry entry, string path, IByteCounter bytes, CancellationToken cancellationToken)
    {
        // A version replaced while it is being read is verified again once from a fresh HEAD.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (kind, detail) = await VerifyAsync(entry.Key, bytes, cancellationToken).ConfigureAwait(false);
                return new ObjectOutcome(entry.Key, path, kind, detail);
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.PreconditionFailed && attempt < 2)
            {
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.PreconditionFailed)
            {
                return new ObjectOutcome(entry.Key, path, OutcomeKind.Error, "changed twice while being verified (it is being written); verify it again later");
            }
        }
    }

    private async ValueTask<(OutcomeKind Kind, string Detail)> VerifyAsync(string key, IByteCounter bytes, CancellationToken cancellationToken)
    {
        var info = await _store.HeadAsync(new HeadRequest(key), cancellationToken).ConfigureAwait(false);
        var metadata = info.Metadata.UserMetadata;
        if (!EnvelopeCodec.HasEnvelope(metadata))
        {
            return (OutcomeKind.Warning, "plain object (not encrypted) in an encrypted volume; 's3cfs migrate' encrypts it");
        }

        ObjectEnvelope envelope;
        try
        {
            envelope = EnvelopeCodec.Decode(metadata);
        }
        catch (EnvelopeFormatException e)
        {
            return (OutcomeKind.Invalid, $"malformed envelope field '{e.Field}': {e.Message}");
        }

        var layout = envelope.Layout;
        if (!layout.TryPlainSizeFromCipherSize(info.Size, out var plainSize))
        {
            return (OutcomeKind.Invalid, $"truncated or extended: {info.Size} bytes is not a size a body sealed with {layout.PlainBlockSize}-byte blocks can have");
        }

        FileCipher cipher;
        try
        {
            cipher = await _ciphers.OpenAsync(metadata, key, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyUnavailableException) when (!_ciphers.HasKeyFor(envelope))
        {
            return (OutcomeKind.Invalid, $"unknown key id {envelope.KeyId} (provider {envelope.Provider}): no configured key has it; add that key to old_keys");
        }
        catch (KeyUnavailableException e)
        {
            return (OutcomeKind.Error, $"key {EnvelopeMetadata.KeyName(envelope.Provider, envelope.KeyId)} could not be used: {e.Message}");
        }
        catch (IntegrityException e)
        {
            return (OutcomeKind.Invalid, $"the envelope does not authenticate: {e.Message}");
        }

        using (cipher)
        {
            var problem = await CheckBlocksAsync(info, cipher, plainSize, bytes, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return (OutcomeKind.Invalid, problem);
            }
        }

        var blocks = layout.BlockCount(plainSize);
        if (_options.VolumeBlockSize is { } volume && volume != envelope.BlockSize)
        {
            return (OutcomeKind.Warning, $"authentic ({blocks} blocks), but sealed with {envelope.BlockSize}-byte blocks where the volume uses {volume}: listings show a wrong size for it");
        }

        return (OutcomeKind.Unchanged, $"authentic ({blocks} blocks, {plainSize} bytes)");
    }

    /// <summary>Reads the body in runs of whole blocks (one run ahead) and opens each block; null when all authenticate.</summary>
    private async ValueTask<string?> CheckBlocksAsync(ObjectInfo info, FileCipher cipher, long plainSize, IByteCounter bytes, CancellationToken cancellationToken)
    {
        var layout = cipher.Layout;
        var count = layout.BlockCount(plainSize);
        var perRead = (int)Math.Min(count, Math.Max(1, _options.ReadSize / layout.CipherBlockSize));
        var bufferSize = (int)Math.Min((long)perRead * layout.CipherBlockSize, info.Size); // small objects get small buffers
        byte[] current = ArrayPool<byte>.Shared.Rent(bufferSize), next = ArrayPool<byte>.Shared.Rent(bufferSize);
        var scratch = ArrayPool<byte>.Shared.Rent(layout.PlainBlockSize);
        Task<int>? pending = null;
        var findings = new BlockFindings(count);
        try
        {
            pending = ReadRunAsync(info, layout, plainSize, 0, perRead, current, cancellationToken);
            for (long first = 0; first < count; first += perRead)
            {
                var got = await pending!.ConfigureAwait(false);
                pending = null;
                bytes.Add(got);
                if (first + perRead < count)
                {
                    pending = ReadRunAsync(info, layout, plainSize, first + perRead, perRead, next, cancellationToken);
                }

                var runStart = layout.CipherOffsetOf(first);
                for (var index = first; index < Math.Min(first + perRead, count); index++)
                {
                    var range = layout.CipherRangeOf(index, plainSize);
                    var block = current.AsSpan((int)(range.Offset - runStart), range.Length);
                    var isFinal = index == count - 1;
                    if (!cipher.TryOpenBlock(index, isFinal, block, scratch, out _))
                    {
                        // Which flag would have opened it tells truncation and extension apart from tampering.
                        var openedWithOtherFlag = block.Length == layout.CipherBlockSize && cipher.TryOpenBlock(index, !isFinal, block, scratch, out _);
                        findings.Add(index, isFinal, openedWithOtherFlag);
                    }
                }

                (current, next) = (next, current);
            }

            return findings.Describe();
        }
        finally
        {
            if (pending is not null)
            {
                // The read ahead still owns its buffer: let it finish (or fail) before the buffer goes back.
                await Task.WhenAny(pending).ConfigureAwait(false);
            }

            CryptographicOperations.ZeroMemory(scratch);
            ArrayPool<byte>.Shared.Return(scratch);
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }

    /// <summary>One ranged GET of blocks [first, first + perRead) into <paramref name="buffer"/>; the whole run must arrive.</summary>
    private async Task<int> ReadRunAsync(ObjectInfo info, BlockLayout layout, long plainSize, long first, int perRead, byte[] buffer, CancellationToken cancellationToken)
    {
        var offset = layout.CipherOffsetOf(first);
        var last = Math.Min(first + perRead, layout.BlockCount(plainSize)) - 1;
        var length = layout.CipherRangeOf(last, plainSize).End - offset;
        var result = await _store.GetRangeAsync(new GetRangeRequest(info.Key, new ByteRange(offset, length)) { IfMatch = info.ETag }, buffer, cancellationToken).ConfigureAwait(false);
        if (result.BytesRead != length || result.ObjectSize != info.Size)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.PreconditionFailed, "GetObject", _store.Bucket, info.Key,
                $"asked for {length} bytes at {offset} of a {info.Size}-byte object, got {result.BytesRead} of a {result.ObjectSize}-byte one");
        }

        return result.BytesRead;
    }

    /// <summary>The blocks that failed, summarised as the one most telling reason.</summary>
    private sealed class BlockFindings(long count)
    {
        private long _first = -1;
        private long _bad;
        private string? _reason;

        public void Add(long index, bool isFinal, bool openedWithOtherFlag)
        {
            _bad++;
            if (_first >= 0)
            {
                return;
            }

            _first = index;
            _reason = (isFinal, openedWithOtherFlag) switch
            {
                (true, true) => $"truncated: the last block ({index}) was not sealed as the final block, so the blocks after it are missing",
                (false, true) => $"extended: block {index} was sealed as the final block, but {count - index - 1} more block(s) follow it",
                _ => $"tampered block {index} of {count}: it does not authenticate (modified, moved from elsewhere, or corrupted)",
            };
        }

        public string? Describe() => _reason is null ? null : _bad > 1 ? $"{_reason}; {_bad} bad blocks in all" : _reason;
    }
}
