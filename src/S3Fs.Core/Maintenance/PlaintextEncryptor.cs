using System.Buffers;
using System.Security.Cryptography;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// Replaces a plain object by its encryption, in place, streaming: ranged GETs pinned to the plain version's ETag,
/// blocks sealed into part buffers, one PUT for small objects or a multipart upload for large ones (parts uploaded a
/// few at a time while the next is read). Memory is bounded by a run-wide pool of part buffers, never by object
/// size.
///
/// The replacement only lands on the version that was read: the PUT (or CompleteMultipartUpload) carries
/// <c>If-Match</c> the plain ETag when the server honours it (<see cref="ObjectStoreCapabilities.ConditionalReplace"/>,
/// <see cref="ObjectStoreCapabilities.ConditionalMultipartComplete"/>); otherwise a HEAD checks the ETag just before
/// the write, which narrows the race with a concurrent writer to one request but cannot close it.
/// </summary>
internal sealed class PlaintextEncryptor
{
    private readonly IObjectStore _store;
    private readonly MigrateOptions _options;
    private readonly SemaphoreSlim _partBuffers;

    public PlaintextEncryptor(IObjectStore store, MigrateOptions options, SemaphoreSlim partBuffers)
    {
        _store = store;
        _options = options;
        _partBuffers = partBuffers;
    }

    /// <summary>Encrypts <paramref name="source"/> onto its own key; returns the stored size.</summary>
    public async ValueTask<long> EncryptAsync(ObjectInfo source, FileCipher cipher, ObjectMetadata metadata, IByteCounter bytes, CancellationToken cancellationToken)
    {
        if (source.Size <= _options.SinglePutThreshold)
        {
            await PutWholeAsync(source, cipher, metadata, bytes, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await UploadPartsAsync(source, cipher, metadata, bytes, cancellationToken).ConfigureAwait(false);
        }

        return cipher.Layout.CipherSizeFromPlainSize(source.Size);
    }

    private async ValueTask PutWholeAsync(ObjectInfo source, FileCipher cipher, ObjectMetadata metadata, IByteCounter bytes, CancellationToken cancellationToken)
    {
        var stored = (int)cipher.Layout.CipherSizeFromPlainSize(source.Size);
        await _partBuffers.WaitAsync(cancellationToken).ConfigureAwait(false);
        var plain = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, source.Size));
        var sealedBody = ArrayPool<byte>.Shared.Rent(stored);
        try
        {
            await ReadAsync(source, 0, (int)source.Size, plain, cancellationToken).ConfigureAwait(false);
            Seal(cipher, plain.AsSpan(0, (int)source.Size), 0, source.Size, sealedBody);
            bytes.Add(source.Size);
            var condition = WriteCondition.None;
            if (_store.Capabilities.ConditionalReplace)
            {
                condition = WriteCondition.IfMatches(source.ETag);
            }
            else
            {
                await CheckUnchangedAsync(source, cancellationToken).ConfigureAwait(false);
            }

            await _store.PutAsync(new PutRequest(source.Key, sealedBody.AsMemory(0, stored)) { Metadata = metadata, Condition = condition }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            ArrayPool<byte>.Shared.Return(plain);
            ArrayPool<byte>.Shared.Return(sealedBody);
            _partBuffers.Release();
        }
    }

    private async ValueTask UploadPartsAsync(ObjectInfo source, FileCipher cipher, ObjectMetadata metadata, IByteCounter bytes, CancellationToken cancellationToken)
    {
        var caps = _store.Capabilities;
        var partPlain = PartPlainSize(source.Size, cipher.Layout.PlainBlockSize, caps.MaxParts);
        var conditional = caps.ConditionalMultipartComplete;
        var upload = await _store.StartMultipartUploadAsync(
            new MultipartUploadRequest(source.Key) { Metadata = metadata, Condition = conditional ? WriteCondition.IfMatches(source.ETag) : WriteCondition.None },
            cancellationToken).ConfigureAwait(false);
        var inFlight = new List<Task<UploadedPart>>(_options.PartsInFlightPerObject);
        var done = new List<UploadedPart>();
        try
        {
            var partNumber = 1;
            for (long offset = 0; offset < source.Size; offset += partPlain, partNumber++)
            {
                var length = (int)Math.Min(partPlain, source.Size - offset);
                var (buffer, sealedLength) = await ReadAndSealPartAsync(source, cipher, offset, length, cancellationToken).ConfigureAwait(false);
                bytes.Add(length);
                inFlight.Add(UploadPartAsync(upload, partNumber, buffer, sealedLength, cancellationToken));
                if (inFlight.Count >= _options.PartsInFlightPerObject)
                {
                    done.Add(await inFlight[0].ConfigureAwait(false));
                    inFlight.RemoveAt(0);
                }
            }

            done.AddRange(await Task.WhenAll(inFlight).ConfigureAwait(false));
            inFlight.Clear();
            if (!conditional)
            {
                await CheckUnchangedAsync(source, cancellationToken).ConfigureAwait(false);
            }

            await upload.CompleteAsync(done, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Let the part uploads still running finish (they return their buffers), then abort so no parts stay billed.
            try
            {
                await Task.WhenAll(inFlight).ConfigureAwait(false);
            }
            catch
            {
                // Their failures are this failure's consequences; the first error is the one rethrown below.
            }

            await AbortQuietlyAsync(upload).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Takes a part-buffer slot, reads one part's plaintext and seals it; the caller passes buffer and slot on to the upload.</summary>
    private async ValueTask<(byte[] Buffer, int Length)> ReadAndSealPartAsync(ObjectInfo source, FileCipher cipher, long offset, int length, CancellationToken cancellationToken)
    {
        var layout = cipher.Layout;
        var firstBlock = offset / layout.PlainBlockSize;
        var sealedLength = (int)(length + (layout.BlockCount(length) * BlockLayout.Overhead));
        await _partBuffers.WaitAsync(cancellationToken).ConfigureAwait(false);
        var sealedPart = ArrayPool<byte>.Shared.Rent(sealedLength);
        var plain = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await ReadAsync(source, offset, length, plain, cancellationToken).ConfigureAwait(false);
            Seal(cipher, plain.AsSpan(0, length), firstBlock, source.Size, sealedPart);
            return (sealedPart, sealedLength);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(sealedPart);
            _partBuffers.Release();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    /// <summary>Uploads one sealed part, then returns its buffer and its slot whatever happens.</summary>
    private async Task<UploadedPart> UploadPartAsync(IMultipartUpload upload, int partNumber, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        try
        {
            return await upload.UploadPartAsync(partNumber, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _partBuffers.Release();
        }
    }

    /// <summary>Plaintext of [offset, offset + length) of the version read, or PreconditionFailed if it changed.</summary>
    private async ValueTask ReadAsync(ObjectInfo source, long offset, int length, byte[] destination, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return;
        }

        var result = await _store.GetRangeAsync(new GetRangeRequest(source.Key, new ByteRange(offset, length)) { IfMatch = source.ETag }, destination, cancellationToken).ConfigureAwait(false);
        if (result.BytesRead != length || result.ObjectSize != source.Size)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.PreconditionFailed, "GetObject", _store.Bucket, source.Key,
                $"asked for {length} bytes at {offset} of a {source.Size}-byte object, got {result.BytesRead} of a {result.ObjectSize}-byte one");
        }
    }

    /// <summary>Without a conditional write, the last look before replacing: still the version that was read?</summary>
    private async ValueTask CheckUnchangedAsync(ObjectInfo source, CancellationToken cancellationToken)
        => await _store.HeadAsync(new HeadRequest(source.Key) { IfMatch = source.ETag }, cancellationToken).ConfigureAwait(false);

    /// <summary>Seals the whole blocks of <paramref name="plain"/>, which starts at block <paramref name="firstBlock"/> of a file of <paramref name="fileSize"/> bytes.</summary>
    private static void Seal(FileCipher cipher, ReadOnlySpan<byte> plain, long firstBlock, long fileSize, Span<byte> destination)
    {
        if (fileSize == 0)
        {
            cipher.SealBlock(0, isFinal: true, [], destination); // the empty file: one sealed empty block
            return;
        }

        var layout = cipher.Layout;
        var last = layout.BlockCount(fileSize) - 1;
        var read = 0;
        var written = 0;
        for (var index = firstBlock; read < plain.Length; index++)
        {
            var length = layout.PlainLengthOf(index, fileSize);
            written += cipher.SealBlock(index, index == last, plain.Slice(read, length), destination[written..]);
            read += length;
        }
    }

    /// <summary>The part size: the configured one, grown in whole blocks when the object would need more than <paramref name="maxParts"/> parts.</summary>
    internal long PartPlainSize(long objectSize, int blockSize, int maxParts)
    {
        var needed = (objectSize + maxParts - 1) / maxParts;
        var part = Math.Max(_options.PartSize, (needed + blockSize - 1) / blockSize * blockSize);
        if (part + ((part / blockSize) * BlockLayout.Overhead) > Array.MaxLength)
        {
            throw new InvalidOperationException($"An object of {objectSize} bytes needs parts of {part} bytes, more than one buffer can hold.");
        }

        return part;
    }

    private static async ValueTask AbortQuietlyAsync(IMultipartUpload upload)
    {
        try
        {
            await upload.AbortAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            // Abort is cleanup: its failure must not hide the error that caused it (a lifecycle rule removes leftovers).
        }
    }
}
