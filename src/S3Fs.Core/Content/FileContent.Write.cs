using System.Buffers;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Content.Uploading;
using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Content;

/// <summary>Writes, truncation and extension, the fill buffer and the staging slots.</summary>
internal sealed partial class FileContent
{
    /// <summary>S3's largest object: 5 TiB. A file whose stored form would be larger cannot be uploaded.</summary>
    private const long MaxObjectSize = 5L << 40;

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (data.IsEmpty)
        {
            return; // POSIX: a zero-length write changes nothing, not even the size
        }

        var end = offset + data.Length;
        CheckSize(end);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_early is { Invalid: false } early && offset / _blockSize < early.CommittedBlocks)
            {
                early.Invalidate(); // a block already sent changes: the early upload is void
            }

            for (var position = offset; position < end;)
            {
                var index = position / _blockSize;
                var skip = (int)(position - (index * _blockSize));
                var take = (int)Math.Min(_blockSize - skip, end - position);
                var piece = data.Slice((int)(position - offset), take);
                if (take == _blockSize)
                {
                    // A whole block: sealed straight from the caller's buffer; no read-modify-write.
                    await StageAsync(index, piece, cancellationToken).ConfigureAwait(false);
                    DropFill(index);
                }
                else
                {
                    await LoadFillAsync(index, cancellationToken).ConfigureAwait(false);
                    piece.Span.CopyTo(_fill!.Data.AsSpan(skip));
                }

                position += take;
                if (position > _size)
                {
                    Volatile.Write(ref _size, position);
                }

                Changed();
            }

            AdvanceEarlyUpload();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask SetSizeAsync(long size, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        CheckSize(size);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (size == _size)
            {
                return;
            }

            if (size < _size)
            {
                var tail = (int)(size % _blockSize);
                var last = size / _blockSize;
                if (tail != 0 && (_fill?.Index == last || _staged.ContainsKey(last)))
                {
                    // The new last block is local: clear what lies past the new end, so an extension reads zeros.
                    await LoadFillAsync(last, cancellationToken).ConfigureAwait(false);
                    Array.Clear(_fill!.Data, tail, _blockSize - tail);
                }

                var keep = tail == 0 ? last : last + 1;
                if (_fill is { } fill && fill.Index >= keep)
                {
                    DropFill(fill.Index);
                }

                foreach (var index in _staged.Keys.Where(k => k >= keep).ToList())
                {
                    Retire(_staged[index].Slot);
                    _staged.Remove(index);
                }

                // Base bytes past the new end are gone for good: an extension must not bring them back.
                Volatile.Write(ref _baseLimit, Math.Min(_baseLimit, size));
                _minSizeSinceSnapshot = Math.Min(_minSizeSinceSnapshot, size);
                if (_early is { Invalid: false } early && size <= early.CommittedBlocks * _blockSize)
                {
                    early.Invalidate(); // a block already sent would now be the final one, or gone
                }
            }

            Volatile.Write(ref _size, size);
            Changed();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Changed()
    {
        Interlocked.Increment(ref _changes);
        _local = true;
    }

    private static void CheckSize(long size)
    {
        // 28 bytes per 4 KiB block at most: 1% keeps the check simple and safe for every block size.
        if (size > MaxObjectSize - (MaxObjectSize / 100))
        {
            throw new FsException(FsErrorCode.FileTooLarge, $"a file of {size} bytes would exceed S3's 5 TiB object limit once stored");
        }
    }

    /// <summary>
    /// Seals a full block into a new slot (copy on write: the old slot stays valid until the new one is written): for
    /// the object when the file's cipher exists, so the upload sends it as staged, else under the staging key.
    /// </summary>
    private async ValueTask StageAsync(long index, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        var staging = _staging ??= _s.Staging.CreateFile(_blockSize);
        var slot = staging.Allocate();
        var generation = ++_generation;
        StagedBlock staged;
        try
        {
            staged = await staging.WriteAsync(slot, index, generation, block, StagingFormat(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            staging.Free(slot);
            throw;
        }

        if (_staged.TryGetValue(index, out var old))
        {
            Retire(old.Slot);
        }

        _staged[index] = staged;
    }

    /// <summary>
    /// The format blocks are staged in for the object: the file's cipher, once it exists. A new file of an encrypting
    /// volume gets its cipher started here, at its first staged block (its upload needs it anyway); until it is ready,
    /// blocks are staged under the staging key. Plain targets never: the disk must not hold plaintext.
    /// </summary>
    private SealedBlockFormat? StagingFormat()
    {
        if (Volatile.Read(ref _sealedTarget) is { } ready)
        {
            return ready;
        }

        if (_s.Options.Encrypting && _target is null)
        {
            _ = EnsureTargetAsync(null);
        }

        return Volatile.Read(ref _sealedTarget);
    }

    /// <summary>Makes <see cref="_fill"/> hold block <paramref name="index"/> (staging the block it held before).</summary>
    private async ValueTask LoadFillAsync(long index, CancellationToken cancellationToken)
    {
        if (_fill?.Index == index)
        {
            return;
        }

        await FlushFillAsync(cancellationToken).ConfigureAwait(false);
        var data = ArrayPool<byte>.Shared.Rent(_blockSize);
        try
        {
            await ReadCurrentBlockAsync(index, data.AsMemory(0, _blockSize), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(data, clearArray: true);
            throw;
        }

        _fill = new Fill(index, data);
    }

    /// <summary>Stages the block being filled, if any. On failure it stays in memory (nothing is lost).</summary>
    private async ValueTask FlushFillAsync(CancellationToken cancellationToken)
    {
        if (_fill is { } fill)
        {
            await StageAsync(fill.Index, fill.Data.AsMemory(0, _blockSize), cancellationToken).ConfigureAwait(false);
            DropFill(fill.Index);
        }
    }

    /// <summary>Forgets the fill buffer if it holds block <paramref name="index"/> (its content is superseded or staged).</summary>
    private void DropFill(long index)
    {
        if (_fill is { } fill && fill.Index == index)
        {
            _fill = null;
            ArrayPool<byte>.Shared.Return(fill.Data, clearArray: true);
        }
    }

    /// <summary>The current plaintext of block <paramref name="index"/> (not the fill's), full block size, zeros past the data.</summary>
    private async ValueTask ReadCurrentBlockAsync(long index, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_staged.TryGetValue(index, out var staged))
        {
            await _staging!.ReadAsync(staged, index, destination, cancellationToken).ConfigureAwait(false);
            return;
        }

        destination.Span.Clear();
        var start = index * _blockSize;
        var baseEnd = Math.Min(start + _blockSize, _baseLimit);
        if (_base is { } b && baseEnd > start)
        {
            await b.Source.ReadAsync(start, destination[..(int)(baseEnd - start)], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A slot no longer holds a live block: freed now, or when the upload reading it unpins it.</summary>
    private void Retire(int slot)
    {
        if (_pins.ContainsKey(slot))
        {
            _retired.Add(slot);
        }
        else
        {
            _staging!.Free(slot);
        }
    }

    private void Pin(int slot) => _pins[slot] = _pins.GetValueOrDefault(slot) + 1;

    private void Unpin(int slot)
    {
        var count = _pins[slot] - 1;
        if (count > 0)
        {
            _pins[slot] = count;
            return;
        }

        _pins.Remove(slot);
        if (_retired.Remove(slot))
        {
            _staging!.Free(slot);
        }
    }

    /// <summary>
    /// Under the gate, after a write: hands every complete part's worth of staged, non-final blocks to the early
    /// upload, starting it when the file is a new one (no base bytes visible), larger than a single PUT, and the
    /// namespace says where it goes.
    /// </summary>
    private void AdvanceEarlyUpload()
    {
        var options = _s.Options;
        if (!options.EarlyUpload || UploadTargetProvider is null || _baseLimit > 0 || _size <= options.SinglePutThreshold || _early is { Invalid: true })
        {
            return;
        }

        var storedBlock = _blockSize + (options.Encrypting ? Crypto.Format.BlockLayout.Overhead : 0);
        var perPart = Math.Max(1, options.UploadPartSize / storedBlock);
        while (true)
        {
            var first = _early?.CommittedBlocks ?? 0;
            var end = first + perPart;
            if (end * _blockSize >= _size || (_early?.PartCount ?? 0) >= _s.Store.Capabilities.MaxParts / 2)
            {
                return; // the part's last block could still be the final block; or the tail must keep room for its parts
            }

            for (var i = first; i < end; i++)
            {
                if (!_staged.ContainsKey(i) || _fill?.Index == i)
                {
                    return;
                }
            }

            if (_early is null)
            {
                UploadTarget? target;
                try
                {
                    target = UploadTargetProvider();
                }
                catch (Exception e)
                {
                    // The early upload is an optimisation: a provider that fails must not fail the write that asked.
                    LogNoEarlyUpload(_s.Logger, e.Message);
                    return;
                }

                if (target is null)
                {
                    return;
                }

                _early = new EarlyUpload(_s, _uploader, target.Key, target.Attributes, EnsureTargetAsync(target.Key), format => BuildMetadata(target.Key, format, target.Attributes));
            }

            var blocks = new Dictionary<long, StagedBlock>();
            for (var i = first; i < end; i++)
            {
                var staged = _staged[i];
                blocks[i] = staged;
                Pin(staged.Slot);
                _early.PinnedSlots.Add(staged.Slot);
            }

            _early.AddPart(new ContentSnapshot(_size, 0, _changes, blocks, _staging, null, _blockSize), first, end, storedBlock);
        }
    }

    [LoggerMessage(EventId = 1522, Level = LogLevel.Warning, Message = "No early upload: the upload target could not be determined: {Error}")]
    private static partial void LogNoEarlyUpload(ILogger logger, string error);
}
