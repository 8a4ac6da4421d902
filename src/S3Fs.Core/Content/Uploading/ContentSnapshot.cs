using S3Fs.Core.Content.Reading;
using S3Fs.Core.Content.Writing;

namespace S3Fs.Core.Content.Uploading;

/// <summary>
/// A staged block: its slot in the staging file, the generation it was written with, and its form: sealed for the
/// object as a non-final block of <paramref name="Format"/> (<paramref name="Digest"/> is the XXH3 digest of the slot's
/// bytes), or, when <paramref name="Format"/> is null, sealed under the staging area's ephemeral key.
/// </summary>
internal readonly record struct StagedBlock(int Slot, long Generation, SealedBlockFormat? Format, ulong Digest);

/// <summary>
/// The content of a file as it was when an upload began: size, staged blocks (their slots are pinned, so they stay
/// unchanged while the upload reads them without the file's lock), the base object and how much of it is still
/// visible. Writes that arrive during the upload change the live state, never this.
/// </summary>
internal sealed class ContentSnapshot
{
    private BlockFormat? _target;
    private List<BlockRun>? _reusable;

    public ContentSnapshot(long size, long baseLimit, long changes, IReadOnlyDictionary<long, StagedBlock> staged, StagingFile? staging, BlockSource? baseSource, int blockSize)
    {
        Size = size;
        BaseLimit = baseLimit;
        Changes = changes;
        Staged = staged;
        Staging = staging;
        Base = baseSource;
        BlockSize = blockSize;
    }

    public long Size { get; }

    /// <summary>Base bytes at or beyond this offset are gone (truncated); they read as zeros.</summary>
    public long BaseLimit { get; }

    /// <summary>The content's change counter at the snapshot: unchanged afterwards means clean after the upload.</summary>
    public long Changes { get; }

    public IReadOnlyDictionary<long, StagedBlock> Staged { get; }

    public StagingFile? Staging { get; }

    public BlockSource? Base { get; }

    public int BlockSize { get; }

    /// <summary>The format the upload writes (set once the target cipher exists).</summary>
    public BlockFormat Target
    {
        get => _target ?? throw new InvalidOperationException("The snapshot's target format is not set yet.");
        set
        {
            _target = value;
            _reusable = null;
        }
    }

    /// <summary>Whether unchanged blocks can be taken from the base as stored (same format instance: same key and file id).</summary>
    public bool BaseReusable => Base is not null && ReferenceEquals(Base.Format, Target);

    public long BlockCount => Target.BlockCount(Size);

    /// <summary>Plaintext of block <paramref name="index"/> as of the snapshot, full block size (zeros beyond the data).</summary>
    public async ValueTask ReadPlainAsync(long index, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (Staged.TryGetValue(index, out var staged))
        {
            await Staging!.ReadAsync(staged, index, destination[..BlockSize], cancellationToken).ConfigureAwait(false);
            return;
        }

        destination.Span.Clear();
        var start = index * BlockSize;
        var baseEnd = Math.Min(start + BlockSize, BaseLimit);
        if (Base is not null && baseEnd > start)
        {
            await Base.ReadAsync(start, destination[..(int)(baseEnd - start)], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether block <paramref name="index"/> is staged exactly as the new object stores it: sealed by the target
    /// format as a non-final block, and not the final block now. Such a block is sent as staged.
    /// </summary>
    public bool TryGetStoredStaged(long index, out StagedBlock staged) =>
        Staged.TryGetValue(index, out staged) && staged.Format is { } format && ReferenceEquals(format, Target) && index < BlockCount - 1;

    /// <summary>
    /// Runs of blocks whose stored bytes in the base are exactly what the new object needs at the same offsets: not
    /// staged, wholly below <see cref="BaseLimit"/>, and with the same final flag and length. Empty unless the base is
    /// reusable. A non-final base block stays valid only as a non-final block of the new object; the base's final block
    /// only when the size did not change.
    /// </summary>
    public IReadOnlyList<BlockRun> ReusableRuns() => _reusable ??= ComputeReusableRuns();

    /// <summary>The reusable run containing block <paramref name="index"/>, or an empty run.</summary>
    public BlockRun ReusableRunAt(long index)
    {
        var runs = ReusableRuns();
        int lo = 0, hi = runs.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (runs[mid].End <= index)
            {
                lo = mid + 1;
            }
            else if (runs[mid].Start > index)
            {
                hi = mid - 1;
            }
            else
            {
                return runs[mid];
            }
        }

        return default;
    }

    private List<BlockRun> ComputeReusableRuns()
    {
        if (!BaseReusable)
        {
            return [];
        }

        var baseBlocks = Base!.BlockCount;
        var newBlocks = BlockCount;
        var end = Math.Min(Math.Min(baseBlocks - 1, newBlocks - 1), BaseLimit / BlockSize);
        if (Size == Base.PlainSize && BaseLimit == Base.PlainSize)
        {
            end = baseBlocks;
        }

        var runs = new List<BlockRun>();
        long start = 0;
        foreach (var index in Staged.Keys.Where(k => k < end).Order())
        {
            if (index > start)
            {
                runs.Add(new BlockRun(start, index));
            }

            start = index + 1;
        }

        if (end > start)
        {
            runs.Add(new BlockRun(start, end));
        }

        return runs;
    }
}
