using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace S3Fs.Core.Content.Writing;

/// <summary>
/// Where dirty blocks wait for their upload: one temporary file per dirty file in a private directory (mode 0700)
/// created for this process, every block sealed with AES-256-GCM under an ephemeral key that is generated at mount,
/// lives only in pinned memory and is zeroed on dispose. The local disk therefore never holds plaintext, and staged
/// data is unreadable after the process ends, which is right: what was not uploaded by then is lost either way.
/// On Unix each staging file is unlinked as soon as it is open, so nothing is left behind even after a crash.
/// </summary>
internal sealed class StagingArea : IDisposable
{
    /// <summary>AES-GCM nonce and tag, as in the object format.</summary>
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = NonceSize + TagSize;

    private readonly byte[] _key;
    private readonly ConcurrentBag<AesGcm> _ciphers = [];
    private long _nextFile;
    private bool _disposed;

    public StagingArea(string parentDirectory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(parentDirectory);
        }
        else
        {
            Directory.CreateDirectory(parentDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        DirectoryPath = Path.Combine(parentDirectory, $"s3cfs-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(DirectoryPath);
        }
        else
        {
            Directory.CreateDirectory(DirectoryPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _key = GC.AllocateArray<byte>(32, pinned: true);
        RandomNumberGenerator.Fill(_key);
    }

    /// <summary>This process's private staging directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>A new staging file for blocks of <paramref name="blockSize"/> plaintext bytes.</summary>
    public StagingFile CreateFile(int blockSize)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var path = Path.Combine(DirectoryPath, $"{Interlocked.Increment(ref _nextFile)}.stage");
        SafeFileHandle handle;
        if (OperatingSystem.IsWindows())
        {
            handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        }
        else
        {
            handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous);
            File.Delete(path);
        }

        return new StagingFile(this, handle, blockSize);
    }

    /// <summary>Seals <paramref name="plain"/> into nonce ‖ ciphertext ‖ tag, bound to <paramref name="aad"/>.</summary>
    public void Seal(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        var nonce = destination[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var gcm = Rent();
        try
        {
            gcm.Encrypt(nonce, plain, destination.Slice(NonceSize, plain.Length), destination.Slice(NonceSize + plain.Length, TagSize), aad);
        }
        finally
        {
            _ciphers.Add(gcm);
        }
    }

    /// <summary>Opens what <see cref="Seal"/> produced; false (and the destination zeroed) if it does not authenticate.</summary>
    public bool TryOpen(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> sealedBlock, Span<byte> plain)
    {
        var length = sealedBlock.Length - Overhead;
        var gcm = Rent();
        try
        {
            gcm.Decrypt(sealedBlock[..NonceSize], sealedBlock.Slice(NonceSize, length), sealedBlock.Slice(NonceSize + length, TagSize), plain[..length], aad);
            return true;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plain);
            return false;
        }
        finally
        {
            _ciphers.Add(gcm);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        while (_ciphers.TryTake(out var gcm))
        {
            gcm.Dispose();
        }

        try
        {
            Directory.Delete(DirectoryPath, recursive: true);
        }
        catch (IOException)
        {
            // A staging file still open on Windows; it is deleted when closed.
        }
    }

    private AesGcm Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _ciphers.TryTake(out var gcm) ? gcm : new AesGcm(_key, TagSize);
    }
}
