using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests;

/// <summary>Re-wrapping an object's data key under the primary key (key rotation) without touching its body.</summary>
public class FileCipherFactoryTests
{
    private const int B = 4096;

    private static async Task<(ObjectEnvelope Envelope, byte[] Body, byte[] Plain)> SealAsync(FileCipherFactory factory, int size)
    {
        var plain = TestKeys.Pattern(size, size);
        using var writer = await factory.CreateAsync("obj", CancellationToken.None);
        return (writer.Envelope, writer.SealAll(plain), plain);
    }

    [Fact]
    public async Task RewrapAsync_ObjectOfOldKey_OpensWithOnlyTheNewKeyAndTheSameBody()
    {
        using var oldKey = TestKeys.NewFileKey();
        using var newKey = TestKeys.NewFileKey();
        var (envelope, body, plain) = await SealAsync(TestKeys.Factory(oldKey), (3 * B) + 5);
        var rotating = new FileCipherFactory(new MasterKeyRing(new KeyView(newKey), [new KeyView(oldKey)]), null, B);

        var rewrapped = await rotating.RewrapAsync(envelope, "obj", CancellationToken.None);

        Assert.Equal(envelope.FileId, rewrapped.FileId);
        Assert.Equal(envelope.BlockSize, rewrapped.BlockSize);
        Assert.Equal(newKey.KeyId, rewrapped.KeyId);
        Assert.False(rewrapped.Commitment.Span.SequenceEqual(envelope.Commitment.Span));
        Assert.True(rotating.IsWrappedByPrimary(rewrapped));
        Assert.False(rotating.IsWrappedByPrimary(envelope));
        var onlyNew = new FileCipherFactory(new MasterKeyRing(new KeyView(newKey)), null, B);
        using var reader = await onlyNew.OpenAsync(EnvelopeCodec.Encode(rewrapped), "obj", CancellationToken.None);
        Assert.Equal(plain, reader.OpenAll(body));
    }

    [Fact]
    public async Task RewrapAsync_RewrappedEnvelope_NoLongerOpensWithTheOldKeyAlone()
    {
        using var oldKey = TestKeys.NewFileKey();
        using var newKey = TestKeys.NewFileKey();
        var (envelope, _, _) = await SealAsync(TestKeys.Factory(oldKey), 10);
        var rotating = new FileCipherFactory(new MasterKeyRing(new KeyView(newKey), [new KeyView(oldKey)]), null, B);
        var rewrapped = await rotating.RewrapAsync(envelope, "obj", CancellationToken.None);

        var onlyOld = new FileCipherFactory(new MasterKeyRing(new KeyView(oldKey)), null, B);
        var ex = await Assert.ThrowsAsync<KeyUnavailableException>(() => onlyOld.OpenAsync(EnvelopeCodec.Encode(rewrapped), "obj", CancellationToken.None).AsTask());
        Assert.Equal(newKey.KeyId, ex.KeyId);
    }

    [Fact]
    public async Task RewrapAsync_TamperedWrappedKey_ThrowsIntegrityAndWrapsNothing()
    {
        using var oldKey = TestKeys.NewFileKey();
        var newKey = new CountingMasterKey(TestKeys.NewFileKey());
        var (envelope, _, _) = await SealAsync(TestKeys.Factory(oldKey), 100);
        var wrapped = envelope.WrappedKey.ToArray();
        wrapped[^1] ^= 1;
        var tampered = new ObjectEnvelope(envelope.BlockSize, envelope.FileId, envelope.Provider, envelope.KeyId, wrapped, envelope.Commitment);
        using var ring = new MasterKeyRing(newKey, [new KeyView(oldKey)]);
        var rotating = new FileCipherFactory(ring, null, B);

        await Assert.ThrowsAsync<IntegrityException>(() => rotating.RewrapAsync(tampered, "obj", CancellationToken.None).AsTask());
        Assert.Equal(0, newKey.Wraps);
    }

    [Fact]
    public async Task RewrapAsync_AlteredCommitment_ThrowsIntegrity()
    {
        using var oldKey = TestKeys.NewFileKey();
        using var newKey = TestKeys.NewFileKey();
        var (envelope, _, _) = await SealAsync(TestKeys.Factory(oldKey), 100);
        var commitment = envelope.Commitment.ToArray();
        commitment[0] ^= 0x80;
        var tampered = new ObjectEnvelope(envelope.BlockSize, envelope.FileId, envelope.Provider, envelope.KeyId, envelope.WrappedKey, commitment);
        var rotating = new FileCipherFactory(new MasterKeyRing(new KeyView(newKey), [new KeyView(oldKey)]), null, B);

        var ex = await Assert.ThrowsAsync<IntegrityException>(() => rotating.RewrapAsync(tampered, "obj", CancellationToken.None).AsTask());
        Assert.Contains("commitment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RewrapAsync_KeyNotConfigured_ThrowsKeyUnavailableNamingTheKeyId()
    {
        using var missing = TestKeys.NewFileKey();
        using var newKey = TestKeys.NewFileKey();
        var (envelope, _, _) = await SealAsync(TestKeys.Factory(missing), 1);
        var rotating = new FileCipherFactory(new MasterKeyRing(new KeyView(newKey)), null, B);

        Assert.False(rotating.HasKeyFor(envelope));
        var ex = await Assert.ThrowsAsync<KeyUnavailableException>(() => rotating.RewrapAsync(envelope, "obj", CancellationToken.None).AsTask());
        Assert.Equal(missing.KeyId, ex.KeyId);
        Assert.Contains("old_keys", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RewrapAsync_PrimaryCannotWrap_ThrowsKeyUnavailable()
    {
        using var oldKey = TestKeys.NewFileKey();
        using var primary = TestKeys.NewFileKey();
        var (envelope, _, _) = await SealAsync(TestKeys.Factory(oldKey), 1);
        var rotating = new FileCipherFactory(new MasterKeyRing(new KeyView(primary, canWrap: false), [new KeyView(oldKey)]), null, B);

        var ex = await Assert.ThrowsAsync<KeyUnavailableException>(() => rotating.RewrapAsync(envelope, "obj", CancellationToken.None).AsTask());
        Assert.Contains("cannot wrap", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RewrapAsync_ToRsaPublicKeyOnly_OpensWithTheRsaPrivateKey()
    {
        // A write-only primary (public key) can take over objects: wrapping needs only the public half.
        using var oldKey = TestKeys.NewFileKey();
        using var publicOnly = RsaMasterKey.FromPem(TestKeys.Rsa2048PublicPem, "test");
        using var rsa = RsaMasterKey.FromPem(TestKeys.Rsa2048PrivatePem, "test");
        var (envelope, body, plain) = await SealAsync(TestKeys.Factory(oldKey), B);
        var rotating = new FileCipherFactory(new MasterKeyRing(new KeyView(publicOnly), [new KeyView(oldKey)]), null, B);

        var rewrapped = await rotating.RewrapAsync(envelope, "obj", CancellationToken.None);

        Assert.Equal(KeyProviders.Rsa, rewrapped.Provider);
        var onlyRsa = new FileCipherFactory(new MasterKeyRing(new KeyView(rsa)), null, B);
        using var reader = await onlyRsa.OpenAsync(EnvelopeCodec.Encode(rewrapped), "obj", CancellationToken.None);
        Assert.Equal(plain, reader.OpenAll(body));
    }

    [Fact]
    public async Task RewrapAsync_ToRsa_OpensWithTheRsaKey()
    {
        using var oldKey = TestKeys.NewFileKey();
        using var rsa = RsaMasterKey.FromPem(TestKeys.Rsa2048PrivatePem, "test");
        var (envelope, body, plain) = await SealAsync(TestKeys.Factory(oldKey), B);
        var rotating = new FileCipherFactory(new MasterKeyRing(new KeyView(rsa), [new KeyView(oldKey)]), null, B);

        var rewrapped = await rotating.RewrapAsync(envelope, "obj", CancellationToken.None);

        Assert.Equal(KeyProviders.Rsa, rewrapped.Provider);
        var onlyRsa = new FileCipherFactory(new MasterKeyRing(new KeyView(rsa)), null, B);
        using var reader = await onlyRsa.OpenAsync(EnvelopeCodec.Encode(rewrapped), "obj", CancellationToken.None);
        Assert.Equal(plain, reader.OpenAll(body));
    }

    /// <summary>A ring disposes its keys; this view lets several rings share one key the test owns.</summary>
    private sealed class KeyView(IMasterKey inner, bool canWrap = true) : IMasterKey
    {
        public string Provider => inner.Provider;

        public string KeyId => inner.KeyId;

        public bool CanUnwrap => inner.CanUnwrap;

        public bool CanWrap => canWrap && inner.CanWrap;

        public ValueTask<byte[]> WrapAsync(DataKey dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken) => inner.WrapAsync(dataKey, context, cancellationToken);

        public ValueTask<DataKey> UnwrapAsync(ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken) => inner.UnwrapAsync(wrapped, context, cancellationToken);

        public void Dispose()
        {
        }
    }
}
