using System.Collections.ObjectModel;
using S3Fs.Crypto.Ciphers;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto;

/// <summary>
/// The cryptographic state of one file: its envelope, block layout and block key. Seals and opens blocks by index,
/// enforcing the v1 rules on block lengths and the final-block flag, and returns plaintext only from blocks that
/// authenticated. Made by <see cref="FileCipherFactory"/>; safe for concurrent use; dispose to zero the block key.
/// </summary>
public sealed class FileCipher : IDisposable
{
    private readonly IBlockCipher _cipher;

    internal FileCipher(ObjectEnvelope envelope, IBlockCipher cipher, string? objectKey)
    {
        Envelope = envelope;
        Layout = envelope.Layout;
        Metadata = new ReadOnlyDictionary<string, string>(EnvelopeCodec.Encode(envelope));
        _cipher = cipher;
        ObjectKey = objectKey;
    }

    public ObjectEnvelope Envelope { get; }

    public FileId FileId => Envelope.FileId;

    public BlockLayout Layout { get; }

    /// <summary>The <c>s3cfs-*</c> user-metadata fields to store with the object.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The object key named in integrity errors (informational: the format binds the file id, not the key).</summary>
    public string? ObjectKey { get; }

    /// <summary>
    /// Seals block <paramref name="blockIndex"/> into <paramref name="destination"/> and returns its length. A non-final
    /// block holds exactly one block size of plaintext; the final block holds 1 to block size bytes (0 only as block 0).
    /// </summary>
    public int SealBlock(long blockIndex, bool isFinal, ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockIndex);
        var b = Layout.PlainBlockSize;
        var valid = isFinal
            ? plain.Length <= b && (plain.Length > 0 || blockIndex == 0)
            : plain.Length == b;
        if (!valid)
        {
            throw new ArgumentException(
                isFinal
                    ? $"A final block holds 1 to {b} bytes (0 only when it is block 0, the empty file); got {plain.Length} for block {blockIndex}."
                    : $"A non-final block holds exactly {b} bytes; got {plain.Length} for block {blockIndex}.",
                nameof(plain));
        }

        return _cipher.Seal(plain, destination, new BlockAad(b, FileId, blockIndex, isFinal));
    }

    /// <summary>Opens block <paramref name="blockIndex"/>; throws <see cref="IntegrityException"/> if it does not authenticate.</summary>
    public int OpenBlock(long blockIndex, bool isFinal, ReadOnlySpan<byte> sealedBlock, Span<byte> destination)
    {
        if (!TryOpenBlock(blockIndex, isFinal, sealedBlock, destination, out var written))
        {
            throw new IntegrityException(ObjectKey, blockIndex, DescribeFailure(blockIndex, isFinal, sealedBlock.Length));
        }

        return written;
    }

    /// <summary>
    /// Opens block <paramref name="blockIndex"/>. False (and <paramref name="destination"/> zeroed) when it does not
    /// authenticate or has a length no such block can have.
    /// </summary>
    public bool TryOpenBlock(long blockIndex, bool isFinal, ReadOnlySpan<byte> sealedBlock, Span<byte> destination, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockIndex);
        written = 0;
        if (!HasValidLength(blockIndex, isFinal, sealedBlock.Length))
        {
            return false;
        }

        return _cipher.TryOpen(sealedBlock, destination, new BlockAad(Layout.PlainBlockSize, FileId, blockIndex, isFinal), out written);
    }

    /// <summary>Seals a whole file body (for small files, tests and tools).</summary>
    public byte[] SealAll(ReadOnlySpan<byte> plain)
    {
        var body = new byte[Layout.CipherSizeFromPlainSize(plain.Length)];
        var count = Layout.BlockCount(plain.Length);
        for (long i = 0; i < count; i++)
        {
            var offset = Layout.PlainOffsetOf(i);
            var length = Layout.PlainLengthOf(i, plain.Length);
            SealBlock(i, i == count - 1, plain.Slice((int)offset, length), body.AsSpan((int)Layout.CipherOffsetOf(i)));
        }

        return body;
    }

    /// <summary>Opens a whole file body; throws <see cref="IntegrityException"/> for a body that is not exactly what was sealed.</summary>
    public byte[] OpenAll(ReadOnlySpan<byte> body)
    {
        if (!Layout.TryPlainSizeFromCipherSize(body.Length, out var plainSize))
        {
            throw new IntegrityException(ObjectKey, null, $"the body has {body.Length} bytes, which no sealed file with {Layout.PlainBlockSize}-byte blocks has (truncated or extended).");
        }

        var plain = new byte[plainSize];
        var count = Layout.BlockCount(plainSize);
        try
        {
            for (long i = 0; i < count; i++)
            {
                var range = Layout.CipherRangeOf(i, plainSize);
                OpenBlock(i, i == count - 1, body.Slice((int)range.Offset, range.Length), plain.AsSpan((int)Layout.PlainOffsetOf(i)));
            }
        }
        catch (IntegrityException)
        {
            Array.Clear(plain);
            throw;
        }

        return plain;
    }

    public void Dispose() => _cipher.Dispose();

    public override string ToString() => $"FileCipher({FileId}, {Layout.PlainBlockSize}-byte blocks, key redacted)";

    private bool HasValidLength(long blockIndex, bool isFinal, int length)
    {
        var full = Layout.CipherBlockSize;
        if (!isFinal)
        {
            return length == full;
        }

        var min = blockIndex == 0 ? BlockLayout.Overhead : BlockLayout.Overhead + 1;
        return length >= min && length <= full;
    }

    private string DescribeFailure(long blockIndex, bool isFinal, int length) =>
        HasValidLength(blockIndex, isFinal, length)
            ? "the block did not authenticate (modified, moved from another position or file, or a truncated or extended file)."
            : $"the {(isFinal ? "final" : "non-final")} block has {length} bytes, which no such block can have (truncated or extended data).";
}
