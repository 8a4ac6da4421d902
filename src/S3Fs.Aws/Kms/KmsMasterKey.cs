using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Crypto.Keys;
using KeyUnavailableException = S3Fs.Crypto.Keys.KeyUnavailableException;

namespace S3Fs.Aws.Kms;

/// <summary>
/// The <c>kms</c> master key: wraps file data keys under an AWS KMS key without one KMS call per file. An
/// <em>intermediate key</em> (IK) comes from one GenerateDataKey per IK lifetime; each data key is wrapped locally
/// by the IK (AES-256-GCM, AAD = the object's context bytes), and the blob carries the IK's KMS ciphertext so any
/// mount with kms:Decrypt can recover it. Reads go through a bounded cache of unwrapped IKs with single-flight, so
/// reading N files written in one IK window costs one Decrypt. See FILE-FORMAT.md ("KMS-wrapped data keys") and
/// SECURITY.md ("KMS economy: the intermediate key").
/// <para>
/// <see cref="KeyId"/> is the key's canonical ARN, resolved once by DescribeKey in <see cref="CreateAsync"/>. An
/// alias repointed later does not move this instance, and objects keep naming the key that actually wrapped them.
/// </para>
/// </summary>
public sealed class KmsMasterKey : IMasterKey
{
    public const string ProviderName = "kms";

    private const string DescribeKeyOperation = "DescribeKey";
    private const string GenerateDataKeyOperation = "GenerateDataKey";
    private const string DecryptOperation = "Decrypt";

    private readonly IAmazonKeyManagementService _client;
    private readonly bool _ownsClient;
    private readonly KmsMasterKeyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IntermediateKeyCache _cache;
    private readonly byte[] _encodedUserContext;
    private readonly string _region;
    private readonly SemaphoreSlim _rotation = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();

    /// <summary>Captured once: in-flight Decrypts may outlive <see cref="Dispose"/>, which disposes the source.</summary>
    private readonly CancellationToken _disposingToken;
    private ActiveIntermediateKey? _active;
    private int _disposed;

    private KmsMasterKey(
        IAmazonKeyManagementService client,
        bool ownsClient,
        KmsMasterKeyOptions options,
        KeyMetadata metadata,
        string region,
        TimeProvider time,
        ILogger logger)
    {
        _client = client;
        _ownsClient = ownsClient;
        _options = options;
        _time = time;
        _logger = logger;
        _region = region;
        KeyId = metadata.Arn;
        KeyState = metadata.KeyState?.Value ?? "Unknown";
        _encodedUserContext = KmsEncryptionContext.Encode(options.EncryptionContext);
        _cache = new IntermediateKeyCache(options.CacheCapacity, options.CacheTimeToLive, time);
        _disposingToken = _disposing.Token;
    }

    public string Provider => ProviderName;

    /// <summary>The KMS key's canonical ARN (never an alias).</summary>
    public string KeyId { get; }

    /// <summary>The key state DescribeKey reported at startup (<c>Enabled</c>, <c>Disabled</c>, <c>PendingDeletion</c>...).</summary>
    public string KeyState { get; }

    public bool CanUnwrap => true;

    public bool CanWrap => true;

    /// <summary>
    /// Size in bytes of the blobs this key writes (KMS ciphertexts of one key have one size). Before the first wrap
    /// the KMS ciphertext length is unknown and counted as 0, so the value is a lower bound.
    /// </summary>
    public int WrappedSize => IntermediateKeyBlob.SizeFor(LastKmsCiphertextLength, _encodedUserContext.Length);

    /// <summary>Length of the last KMS ciphertext seen; 0 before any.</summary>
    internal int LastKmsCiphertextLength { get; private set; }

    /// <summary>
    /// Validates <paramref name="options"/>, resolves the key to its ARN with one DescribeKey and checks it can
    /// encrypt. A disabled key is accepted (it may be configured to read old objects once re-enabled) and logged.
    /// </summary>
    /// <param name="options">The key and its settings; validated here.</param>
    /// <param name="client">A client to use (tests); null builds one with <see cref="KmsClientFactory"/>, owned and disposed here.</param>
    /// <param name="time">Clock for IK lifetimes and cache expiry; the system clock when null.</param>
    /// <param name="logger">Receives alias resolution, key-state warnings and IK rotations (never key bytes).</param>
    /// <param name="cancellationToken">Cancels the DescribeKey call.</param>
    public static async Task<KmsMasterKey> CreateAsync(
        KmsMasterKeyOptions options,
        IAmazonKeyManagementService? client,
        TimeProvider? time,
        ILogger? logger,
        CancellationToken cancellationToken)
    {
        var identifier = options.Validate();
        var ownsClient = client is null;
        client ??= KmsClientFactory.Create(options);
        var region = options.Region ?? identifier.ArnRegion ?? client.Config.RegionEndpoint?.SystemName ?? client.Config.AuthenticationRegion ?? "(SDK default)";
        logger ??= NullLogger.Instance;
        try
        {
            KeyMetadata metadata;
            try
            {
                var response = await client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = identifier.Value }, cancellationToken).ConfigureAwait(false);
                metadata = response.KeyMetadata;
            }
            catch (Exception e) when (IsKmsFailure(e, cancellationToken))
            {
                throw KmsErrorMapper.Map(e, DescribeKeyOperation, identifier.Value, region, client.Config.MaxErrorRetry + 1);
            }

            if (metadata.KeyUsage != KeyUsageType.ENCRYPT_DECRYPT || (metadata.KeySpec is not null && metadata.KeySpec != Amazon.KeyManagementService.KeySpec.SYMMETRIC_DEFAULT))
            {
                var cause = new KmsFailureException(
                    KmsFailureKind.InvalidKeyUsage,
                    DescribeKeyOperation,
                    metadata.Arn,
                    $"KMS key {metadata.Arn} has key spec {metadata.KeySpec} and usage {metadata.KeyUsage}; S3Fs needs a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).",
                    null);
                throw new KeyUnavailableException(cause.Message, cause);
            }

            if (identifier.IsAlias)
            {
                logger.LogInformation("KMS alias {Alias} resolved to {KeyArn}; objects will record the ARN", identifier.Value, metadata.Arn);
            }

            if (metadata.KeyState != Amazon.KeyManagementService.KeyState.Enabled)
            {
                logger.LogWarning("KMS key {KeyArn} is {KeyState}: wrapping and unwrapping will fail until it is enabled", metadata.Arn, metadata.KeyState);
            }

            return new KmsMasterKey(client, ownsClient, options, metadata, region, time ?? TimeProvider.System, logger);
        }
        catch when (ownsClient)
        {
            client.Dispose();
            throw;
        }
    }

    public async ValueTask<byte[]> WrapAsync(DataKey dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        while (true)
        {
            var active = Volatile.Read(ref _active);
            if (active?.TryWrap(dataKey, context.Span, _time.GetUtcNow()) is { } blob)
            {
                return blob;
            }

            await _rotation.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Only the first waiter rotates; the others find the fresh key on their next pass.
                if (ReferenceEquals(Volatile.Read(ref _active), active))
                {
                    var fresh = await GenerateIntermediateKeyAsync(cancellationToken).ConfigureAwait(false);
                    Interlocked.Exchange(ref _active, fresh)?.Dispose();
                    if (Volatile.Read(ref _disposed) != 0)
                    {
                        // Disposed while KMS was answering: zero the new IK instead of leaving it behind.
                        Interlocked.Exchange(ref _active, null)?.Dispose();
                        throw new ObjectDisposedException(nameof(KmsMasterKey));
                    }
                }
            }
            finally
            {
                _rotation.Release();
            }
        }
    }

    public async ValueTask<DataKey> UnwrapAsync(ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var blob = IntermediateKeyBlob.Parse(wrapped);
        using var intermediateKey = await _cache
            .GetOrFetchAsync(blob.CacheKey, () => DecryptIntermediateKeyAsync(blob), cancellationToken)
            .ConfigureAwait(false);
        return blob.Open(intermediateKey, context.Span);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposing.Cancel();
        Interlocked.Exchange(ref _active, null)?.Dispose();
        _cache.Dispose();
        _disposing.Dispose();
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private async Task<ActiveIntermediateKey> GenerateIntermediateKeyAsync(CancellationToken cancellationToken)
    {
        var id = RandomNumberGenerator.GetBytes(IntermediateKeyBlob.IntermediateKeyIdSize);
        var request = new GenerateDataKeyRequest
        {
            KeyId = KeyId,
            KeySpec = DataKeySpec.AES_256,
            EncryptionContext = KmsEncryptionContext.ForIntermediateKey(id, _options.EncryptionContext),
        };
        GenerateDataKeyResponse response;
        try
        {
            response = await _client.GenerateDataKeyAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsKmsFailure(e, cancellationToken))
        {
            throw Map(e, GenerateDataKeyOperation);
        }

        var key = SdkSecretBuffers.TakeDataKey(response.Plaintext, GenerateDataKeyOperation);
        var kmsCiphertext = response.CiphertextBlob?.ToArray() ?? [];
        if (kmsCiphertext.Length is 0 or > IntermediateKeyBlob.MaxKmsCiphertextSize)
        {
            key.Dispose();
            throw new KeyUnavailableException($"KMS GenerateDataKey on {KeyId} returned a {kmsCiphertext.Length}-byte ciphertext (expected 1..{IntermediateKeyBlob.MaxKmsCiphertextSize}).");
        }

        LastKmsCiphertextLength = kmsCiphertext.Length;
        var active = new ActiveIntermediateKey(
            id,
            kmsCiphertext,
            _encodedUserContext,
            key,
            _time.GetUtcNow() + _options.IntermediateKeyLifetime,
            _options.IntermediateKeyMaxWraps);

        // Objects written now are likely read soon by this mount: seed the unwrap cache so they cost no Decrypt.
        _cache.Add(active.CacheKey, key.Clone());
        _logger.LogDebug("New KMS intermediate key {IntermediateKeyId} under {KeyArn}", active.IdHex, KeyId);
        return active;
    }

    /// <summary>One KMS Decrypt for an IK; run at most once at a time per IK by the cache's single-flight.</summary>
    private async Task<DataKey> DecryptIntermediateKeyAsync(IntermediateKeyBlob blob)
    {
        var request = new DecryptRequest
        {
            KeyId = KeyId,
            CiphertextBlob = new MemoryStream(blob.KmsCiphertext.ToArray()),
            EncryptionContext = KmsEncryptionContext.ForIntermediateKey(blob.IntermediateKeyId, KmsEncryptionContext.Decode(blob.EncodedUserContext)),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT,
        };
        DecryptResponse response;
        try
        {
            response = await _client.DecryptAsync(request, _disposingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsKmsFailure(e, _disposingToken))
        {
            throw Map(e, DecryptOperation);
        }

        return SdkSecretBuffers.TakeDataKey(response.Plaintext, DecryptOperation);
    }

    private Exception Map(Exception error, string operation) =>
        KmsErrorMapper.Map(error, operation, KeyId, _region, _client.Config.MaxErrorRetry + 1);

    /// <summary>Every failure of the call except our own cancellation, which propagates as is.</summary>
    private static bool IsKmsFailure(Exception e, CancellationToken cancellationToken) =>
        !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);
}
