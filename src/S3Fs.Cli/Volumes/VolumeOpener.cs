using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Cli.Commands;
using S3Fs.Cli.Options;
using S3Fs.Core.Storage;
using S3Fs.Core.Volume;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Cli.Volumes;

/// <summary>
/// Turns validated options into an <see cref="OpenVolume"/>: connects, finds (or, for writers, creates) the volume
/// descriptor, checks the options against it, derives or loads the master keys. Every refusal says what to change.
/// </summary>
internal static partial class VolumeOpener
{
    public static async ValueTask<OpenVolume> OpenAsync(OptionSet options, IServiceFactory services, bool forWriting, CancellationToken cancellationToken, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var connection = ConnectionSettings.Bind(options);
        var encryption = EncryptionSettings.Bind(options);
        var inner = await services.CreateStoreAsync(connection, options, forWriting, cancellationToken).ConfigureAwait(false);
        var store = new CountingObjectStore(inner);
        var keys = new List<IMasterKey>();
        try
        {
            var descriptors = new VolumeDescriptorStore(store);
            var found = await descriptors.FindAsync(connection.Prefix, cancellationToken).ConfigureAwait(false);
            var where = $"s3://{store.Bucket}/{connection.Prefix}";
            if (!encryption.Encrypt)
            {
                if (found is { Descriptor.IsEncrypted: true } && forWriting)
                {
                    throw new OptionsException(new OptionError(
                        options.SourceOf("encryption") ?? default,
                        $"{where} is an encrypted volume (see s3://{store.Bucket}/{VolumeDescriptorStore.KeyFor(found.Value.RootPrefix)}); encryption = none would write plaintext into it",
                        "set encryption = client with its master_key, or mount read-only"));
                }

                LogOpenedPlain(logger, $"s3://{store.Bucket}/{connection.Prefix}");
                return new OpenVolume { Store = store, InnerStore = inner, Prefix = connection.Prefix, Descriptor = found?.Descriptor, Encrypt = false, BlockSize = found?.Descriptor.BlockSize ?? FormatV1.DefaultBlockSize };
            }

            VolumeDescriptor? descriptor = found?.Descriptor;
            var root = found?.RootPrefix ?? connection.Prefix;
            var etag = found?.ETag;
            if (descriptor is not null && encryption.BlockSize is { } wanted && wanted != descriptor.BlockSize)
            {
                throw new OptionsException(new OptionError(
                    encryption.BlockSizeSource ?? default,
                    $"block_size is {ValueParsers.FormatSize(wanted)} but the volume at s3://{store.Bucket}/{root} uses {ValueParsers.FormatSize(descriptor.BlockSize)} (every file of a volume shares one block size)",
                    "remove block_size from the options"));
            }

            var needsKdf = encryption.AllKeys.Any(k => k is PassphraseKeySpec);
            if (descriptor is null && forWriting)
            {
                var created = new VolumeDescriptor
                {
                    Encryption = "client",
                    BlockSize = encryption.BlockSize ?? FormatV1.DefaultBlockSize,
                    PassphraseKdf = needsKdf ? KdfParameters.CreateNew().ToJson() : null,
                    Created = DateTimeOffset.UtcNow,
                };
                (descriptor, etag) = await descriptors.CreateAsync(root, created, cancellationToken).ConfigureAwait(false);
            }

            if (descriptor is { IsEncrypted: false })
            {
                throw new OptionsException(new OptionError(
                    options.SourceOf("encryption") ?? default,
                    $"the volume at s3://{store.Bucket}/{root} was created with encryption = none",
                    "set encryption = none, or encrypt its files with 's3cfs migrate' after changing the volume"));
            }

            if (needsKdf && descriptor is { PassphraseKdf: null } && forWriting)
            {
                descriptor = descriptor with { PassphraseKdf = KdfParameters.CreateNew().ToJson() };
                etag = await descriptors.UpdateAsync(root, descriptor, etag!.Value, cancellationToken).ConfigureAwait(false);
            }

            KdfParameters? kdf = null;
            if (needsKdf)
            {
                kdf = descriptor?.PassphraseKdf is { } json
                    ? KdfParameters.FromJson(json)
                    : throw new OptionsException(new OptionError(
                        options.SourceOf("master_key") ?? default,
                        $"a passphrase key needs the volume's key-derivation parameters, and s3://{store.Bucket}/{root} has none yet",
                        "run a command that writes (s3cfs put, or a read-write mount) once to create them"));
            }

            foreach (var spec in encryption.AllKeys)
            {
                keys.Add(spec is KmsKeySpec kms
                    ? await services.CreateKmsKeyAsync(kms, encryption, connection, cancellationToken).ConfigureAwait(false)
                    : LocalMasterKeyLoader.Load(spec, kdf));
            }

            if (!forWriting && !keys.Any(k => k.CanUnwrap))
            {
                throw new OptionsException(new OptionError(
                    options.SourceOf("master_key") ?? default,
                    $"master_key {encryption.MasterKey} can only wrap (an RSA public key): a mount with it can write files but not read them, and this use only reads",
                    "give the private key (rsa:<private key file>) for reading, or mount read-write to add files"));
            }

            var blockSize = descriptor?.BlockSize ?? encryption.BlockSize ?? FormatV1.DefaultBlockSize;
            var ring = new MasterKeyRing(keys[0], keys.Skip(1));
            LogOpened(logger, $"s3://{store.Bucket}/{connection.Prefix}", blockSize, $"{keys[0].Provider}:{keys[0].KeyId}", keys.Count - 1);
            var cache = new DataKeyCache();
            return new OpenVolume
            {
                Store = store,
                InnerStore = inner,
                Prefix = connection.Prefix,
                Descriptor = descriptor,
                Encrypt = true,
                BlockSize = blockSize,
                Keys = ring,
                KeyCache = cache,
                Ciphers = new FileCipherFactory(ring, cache, blockSize),
            };
        }
        catch
        {
            foreach (var k in keys)
            {
                k.Dispose();
            }

            (inner as IDisposable)?.Dispose();
            throw;
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Volume {Where}: client-side encryption, {BlockSize}-byte blocks, master key {MasterKey}, {OldKeys} old key(s)")]
    private static partial void LogOpened(ILogger logger, string where, int blockSize, string masterKey, int oldKeys);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Volume {Where}: no client-side encryption (encryption = none)")]
    private static partial void LogOpenedPlain(ILogger logger, string where);
}
