using S3Fs.Core.Storage;
using S3Fs.Core.Volume;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;

namespace S3Fs.Cli.Volumes;

/// <summary>
/// A bucket prefix ready for use by a command or a mount: the store, the volume's descriptor (if it has one), the
/// master keys and the cipher factory. Disposing it zeroes the keys and closes the store.
/// </summary>
internal sealed class OpenVolume : IAsyncDisposable
{
    /// <summary>The store every command and the mount use: counts requests (s3cfs stats) over the real one.</summary>
    public required CountingObjectStore Store { get; init; }

    /// <summary>The store under the counter, disposed with the volume.</summary>
    public required IObjectStore InnerStore { get; init; }

    /// <summary>The mount's own prefix ("" or ending in '/').</summary>
    public required string Prefix { get; init; }

    /// <summary>The descriptor governing the prefix, if the volume has one (plain buckets have none).</summary>
    public VolumeDescriptor? Descriptor { get; init; }

    public bool Encrypt { get; init; }

    public int BlockSize { get; init; }

    public MasterKeyRing? Keys { get; init; }

    /// <summary>Non-null when the volume reads or writes encrypted objects.</summary>
    public FileCipherFactory? Ciphers { get; init; }

    public DataKeyCache? KeyCache { get; init; }

    public ValueTask DisposeAsync()
    {
        Keys?.Dispose();
        KeyCache?.Dispose();
        (InnerStore as IDisposable)?.Dispose();
        return ValueTask.CompletedTask;
    }
}
