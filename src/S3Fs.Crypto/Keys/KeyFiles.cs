using System.Security.Cryptography;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// Reads secret files (key files, passphrase files, private PEM keys) after checking that only their owner can read
/// them, straight into a pinned buffer so no unzeroed copy of the content stays on the heap.
/// </summary>
internal static class KeyFiles
{
    /// <summary>No secret file we accept is larger; a bigger one is the wrong file, and reading it whole would be wasteful.</summary>
    public const int MaxSecretFileSize = 64 * 1024;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Throws unless <paramref name="path"/> exists and group and others can neither read nor write it.</summary>
    public static void EnsurePrivate(string path, string what)
    {
        EnsureExists(path, what);
        if (OperatingSystem.IsWindows())
        {
            // Windows has ACLs, not mode bits; the file's ACL is the user's responsibility there.
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) != 0)
        {
            throw new KeyConfigurationException(
                $"The {what} '{path}' can be read or written by group or others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}). " +
                $"Restrict it to its owner: chmod 600 {path}");
        }
    }

    public static void EnsureExists(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new KeyConfigurationException($"The {what} '{path}' is a directory; give the path of the file itself.");
        }

        if (!File.Exists(path))
        {
            throw new KeyConfigurationException($"The {what} '{path}' does not exist.");
        }
    }

    /// <summary>Reads the whole file into a pinned buffer the caller disposes.</summary>
    public static PinnedSecret ReadSecret(string path, string what)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (stream.Length > MaxSecretFileSize)
            {
                throw new KeyConfigurationException($"The {what} '{path}' is {stream.Length} bytes; a {what} is at most {MaxSecretFileSize} bytes. Is this the right file?");
            }

            var secret = new PinnedSecret((int)stream.Length);
            try
            {
                stream.ReadExactly(secret.Span);
                return secret;
            }
            catch
            {
                secret.Dispose();
                throw;
            }
        }
        catch (IOException ex)
        {
            throw new KeyConfigurationException($"The {what} '{path}' could not be read: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new KeyConfigurationException($"The {what} '{path}' could not be read (permission denied).", ex);
        }
    }

    /// <summary>Length of <paramref name="content"/> without one trailing "\n" or "\r\n".</summary>
    public static int LengthWithoutFinalNewline(ReadOnlySpan<byte> content)
    {
        if (content.EndsWith("\r\n"u8))
        {
            return content.Length - 2;
        }

        return content.EndsWith("\n"u8) ? content.Length - 1 : content.Length;
    }

    /// <summary>Zeroes a temporary array that held secret bytes.</summary>
    public static void Zero(byte[]? array)
    {
        if (array is not null)
        {
            CryptographicOperations.ZeroMemory(array);
        }
    }
}
