using System.Buffers;
using S3Fs.Core.Storage;

namespace S3Fs.Testing.Storage;

/// <summary>
/// <see cref="IObjectStore.StreamRangeAsync"/> for the test stores: the range is read with the store's own
/// <see cref="IObjectStore.GetRangeAsync"/> (so its faults and truncations apply), then handed over in pieces of an odd
/// size that never lines up with a sealed block (65,564 or 4,124 bytes), as a network body arrives. Every reader of a
/// streamed body is thereby tested across piece boundaries by the unit tests, not only against the real store.
/// </summary>
public static class PiecewiseBody
{
    /// <summary>Bytes per piece: a prime, so pieces straddle every block boundary sooner or later.</summary>
    public const int PieceSize = 4099;

    public static async ValueTask<GetRangeResult> StreamAsync(IObjectStore store, GetRangeRequest request, RangeChunkHandler chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(chunk);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, request.Range.Length));
        try
        {
            var got = await store.GetRangeAsync(request, buffer.AsMemory(0, (int)request.Range.Length), cancellationToken).ConfigureAwait(false);
            for (var at = 0; at < got.BytesRead; at += PieceSize)
            {
                chunk(buffer.AsSpan(at, Math.Min(PieceSize, got.BytesRead - at)));
            }

            return got;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
