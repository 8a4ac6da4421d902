using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using S3Fs.Core.FileSystem;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Core.Content;

/// <summary>
/// Where the crypto layer's failures become <see cref="FsException"/>s for the content layer: anything that says
/// "these bytes or this envelope are not authentic" is an integrity error (EIO, never data), a missing or refused
/// master key is KeyUnavailable. Messages name the object key (and the block, when one failed) so a log line is
/// actionable on its own; they never contain key material.
/// </summary>
internal static class ContentErrors
{
    public static FsException Integrity(string objectKey, Exception cause) =>
        new(FsErrorCode.IntegrityError, $"'{objectKey}': {cause.Message}", cause, LogLevel.Error);

    public static FsException IntegrityDetail(string objectKey, string detail) =>
        new(FsErrorCode.IntegrityError, $"'{objectKey}': integrity check failed: {detail}", null, LogLevel.Error);

    /// <summary>Translates what <see cref="FileCipherFactory.OpenAsync"/> throws; anything else is rethrown unchanged by the caller.</summary>
    public static FsException? FromOpen(string objectKey, Exception e) => e switch
    {
        KeyUnavailableException k => new FsException(
            FsErrorCode.KeyUnavailable,
            $"'{objectKey}': no usable master key (needs {k.Provider ?? "?"} key {k.KeyId ?? "?"}): {k.Message}",
            k,
            LogLevel.Warning),
        IntegrityException or EnvelopeFormatException or CryptographicException => Integrity(objectKey, e),
        _ => null,
    };
}
