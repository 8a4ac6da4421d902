using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Content.Uploading;

/// <summary>Where a part's bytes come from.</summary>
internal enum PartSource
{
    /// <summary>Server-side from the same range of the base object (UploadPartCopy): no bytes through this process.</summary>
    Copy,

    /// <summary>Sent by this process: newly sealed blocks and, for unchanged blocks, their stored bytes fetched from the base.</summary>
    Upload,
}

/// <summary>Blocks [Start, End) of a file.</summary>
internal readonly record struct BlockRun(long Start, long End)
{
    public long Count => End - Start;
}

/// <summary>One part of a multipart upload: blocks [FirstBlock, EndBlock), stored bytes [Offset, Offset + Length).</summary>
internal readonly record struct PlannedPart(int Number, PartSource Source, long FirstBlock, long EndBlock, long Offset, long Length);

/// <summary>The input of <see cref="PartPlanner.Plan"/>.</summary>
internal sealed record PartPlanRequest
{
    /// <summary>Blocks of the new object (at least 1).</summary>
    public required long BlockCount { get; init; }

    /// <summary>Stored bytes of a full block (plaintext block size plus the format's overhead).</summary>
    public required int StoredBlockSize { get; init; }

    /// <summary>Stored size of the new object (every block full but the last).</summary>
    public required long StoredSize { get; init; }

    /// <summary>
    /// Sorted, disjoint runs of blocks whose stored bytes are identical to the base object's bytes at the same offsets
    /// (same file key and id, same content, same final flag): the candidates for server-side copy.
    /// </summary>
    public IReadOnlyList<BlockRun> Reusable { get; init; } = [];

    /// <summary>Whether UploadPartCopy may be used (the server has it and the base is reusable).</summary>
    public bool CanCopy { get; init; }

    public required long MinPartSize { get; init; }

    public required long MaxPartSize { get; init; }

    public required int MaxParts { get; init; }

    /// <summary>Target size of uploaded parts.</summary>
    public required long UploadPartSize { get; init; }

    /// <summary>Target size of copied parts.</summary>
    public required long CopyPartSize { get; init; }
}

/// <summary>
/// Splits a new object into multipart-upload parts, as a pure function (table-tested). Unchanged runs of at least the
/// minimum part size are copied server-side from the base object; everything else is uploaded. S3's rules hold for
/// every plan: parts cover the object exactly, in order, with whole blocks; every part but the last is at least
/// <see cref="PartPlanRequest.MinPartSize"/> (5 MiB) and none exceeds <see cref="PartPlanRequest.MaxPartSize"/>
/// (5 GiB); there are at most <see cref="PartPlanRequest.MaxParts"/> (10,000). To meet the minimum, a short changed run
/// borrows blocks from the start of the next unchanged run (their stored bytes are fetched from the base and sent
/// again), and an unchanged run too short to be a part of its own is absorbed into the uploaded parts around it.
/// That is why a 1 MiB change inside a large file costs about 5 MiB of upload, not the file.
/// </summary>
internal static class PartPlanner
{
    public static IReadOnlyList<PlannedPart> Plan(PartPlanRequest request)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.BlockCount);
        var min = request.MinPartSize;
        var upload = request.UploadPartSize;
        var copy = request.CopyPartSize;
        while (true)
        {
            var parts = PlanWith(request, min, upload, copy);
            if (parts.Count <= request.MaxParts)
            {
                return parts;
            }

            // Too many parts: raise the minimum so that every part but the last holds at least 1/(MaxParts - 1) of the
            // object; the next plan then has at most MaxParts parts.
            min = Math.Max(min + 1, (request.StoredSize + request.MaxParts - 2) / (request.MaxParts - 1));
            upload = Math.Max(upload, min);
            copy = Math.Max(copy, min);
            if (upload + min > request.MaxPartSize || copy + min > request.MaxPartSize)
            {
                throw new FsException(
                    FsErrorCode.FileTooLarge,
                    $"{request.StoredSize} bytes cannot be stored in {request.MaxParts} parts of at most {request.MaxPartSize} bytes");
            }
        }
    }

    private static List<PlannedPart> PlanWith(PartPlanRequest r, long min, long uploadTarget, long copyTarget)
    {
        var segments = Segments(r);
        if (r.CanCopy)
        {
            AbsorbShortCopies(r, segments, min);
            BorrowForShortUploads(r, segments, min);
        }

        var parts = new List<PlannedPart>();
        foreach (var s in segments)
        {
            var target = s.Copy ? copyTarget : uploadTarget;
            var blocksPerPart = Math.Max(1, target / r.StoredBlockSize);
            for (var a = s.Start; a < s.End;)
            {
                var b = Math.Min(s.End, a + blocksPerPart);
                if (b < s.End && Bytes(r, b, s.End) < min)
                {
                    b = s.End; // a short tail joins this part rather than becoming a part below the minimum
                }

                var offset = a * r.StoredBlockSize;
                parts.Add(new PlannedPart(parts.Count + 1, s.Copy ? PartSource.Copy : PartSource.Upload, a, b, offset, Bytes(r, a, b)));
                a = b;
            }
        }

        return parts;
    }

    /// <summary>Alternating copy/upload segments: reusable runs (when copying is allowed) and what lies between them.</summary>
    private static List<Segment> Segments(PartPlanRequest r)
    {
        var segments = new List<Segment>();
        if (!r.CanCopy)
        {
            segments.Add(new Segment(0, r.BlockCount, copy: false));
            return segments;
        }

        long position = 0;
        foreach (var run in r.Reusable)
        {
            if (run.Start < position || run.End > r.BlockCount || run.Count <= 0)
            {
                throw new ArgumentException($"Reusable runs must be sorted, disjoint and within the {r.BlockCount} blocks; got {run}.", nameof(r));
            }

            if (run.Start > position)
            {
                segments.Add(new Segment(position, run.Start, copy: false));
            }

            segments.Add(new Segment(run.Start, run.End, copy: true));
            position = run.End;
        }

        if (position < r.BlockCount)
        {
            segments.Add(new Segment(position, r.BlockCount, copy: false));
        }

        return segments;
    }

    /// <summary>A copy run shorter than a part becomes uploaded bytes (unless it ends the object: a last part may be short).</summary>
    private static void AbsorbShortCopies(PartPlanRequest r, List<Segment> segments, long min)
    {
        for (var i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            if (s.Copy && Bytes(r, s.Start, s.End) < min && i < segments.Count - 1)
            {
                s.Copy = false;
            }
        }

        MergeUploads(segments);
    }

    /// <summary>
    /// An uploaded segment shorter than a part (not the last) takes blocks from the start of the copy segment after
    /// it; if that would leave the copy segment too short to be a part, the whole copy segment is absorbed.
    /// </summary>
    private static void BorrowForShortUploads(PartPlanRequest r, List<Segment> segments, long min)
    {
        var i = 0;
        while (i < segments.Count - 1)
        {
            var s = segments[i];
            var size = Bytes(r, s.Start, s.End);
            if (s.Copy || size >= min)
            {
                i++;
                continue;
            }

            var next = segments[i + 1];
            var borrow = Math.Min(next.Count, ((min - size) + r.StoredBlockSize - 1) / r.StoredBlockSize);
            var rest = Bytes(r, next.Start + borrow, next.End);
            var nextIsLast = i + 1 == segments.Count - 1;
            if (borrow < next.Count && (rest >= min || nextIsLast))
            {
                s.End += borrow;
                next.Start += borrow;
                i++;
            }
            else
            {
                s.End = next.End;
                segments.RemoveAt(i + 1);
                MergeUploads(segments);
            }
        }
    }

    private static void MergeUploads(List<Segment> segments)
    {
        for (var i = segments.Count - 1; i > 0; i--)
        {
            if (!segments[i].Copy && !segments[i - 1].Copy)
            {
                segments[i - 1].End = segments[i].End;
                segments.RemoveAt(i);
            }
        }
    }

    /// <summary>Stored bytes of blocks [a, b): full blocks, except that the object's last block may be shorter.</summary>
    private static long Bytes(PartPlanRequest r, long a, long b) =>
        b <= a ? 0 : Math.Min(b * r.StoredBlockSize, r.StoredSize) - (a * r.StoredBlockSize);

    private sealed class Segment(long start, long end, bool copy)
    {
        public long Start { get; set; } = start;

        public long End { get; set; } = end;

        public bool Copy { get; set; } = copy;

        public long Count => End - Start;
    }
}
