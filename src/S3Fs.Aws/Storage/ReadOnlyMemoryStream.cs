namespace S3Fs.Aws.Storage;

/// <summary>
/// A seekable, read-only <see cref="Stream"/> over a <see cref="ReadOnlyMemory{T}"/>, so a request body reaches the
/// SDK without being copied into a MemoryStream. Seekable matters: the SDK rewinds the body to sign it and to send
/// it again on a redirect; each of our retries gets a fresh instance.
/// </summary>
internal sealed class ReadOnlyMemoryStream : Stream
{
    private readonly ReadOnlyMemory<byte> _memory;
    private int _position;

    public ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) => _memory = memory;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _memory.Length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _memory.Length - _position);
        if (n <= 0)
        {
            return 0;
        }

        _memory.Span.Slice(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override int ReadByte() => _position < _memory.Length ? _memory.Span[_position++] : -1;

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(buffer.AsSpan(offset, count)));
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        // Hand the whole remaining body over in one write, with no intermediate buffer.
        if (_position >= _memory.Length)
        {
            return;
        }

        var rest = _memory[_position..];
        _position = _memory.Length;
        await destination.WriteAsync(rest, cancellationToken).ConfigureAwait(false);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _memory.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0 || target > _memory.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Position {target} is outside the body of {_memory.Length} bytes.");
        }

        _position = (int)target;
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("The request body is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read-only.");
}
