using System.Security.Cryptography;
using S3Fs.Aws.Kms;
using S3Fs.Crypto.Keys;
using KeyUnavailableException = S3Fs.Crypto.Keys.KeyUnavailableException;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>
/// How <see cref="KmsMasterKey"/> fails: each KMS error becomes a specific, actionable exception; integrity
/// failures are <see cref="CryptographicException"/>; a disabled key stops writes after the IK lifetime and reads
/// after the cache TTL.
/// </summary>
public sealed class KmsMasterKeyFailureTests : IAsyncDisposable
{
    private readonly KmsHarness _kms = new();

    public ValueTask DisposeAsync() => _kms.DisposeAsync();

    [Fact]
    public async Task KeyDisabledMidMount_WritesFailAfterLifetime_CachedReadsWorkUntilTtl_ColdReadsFail()
    {
        var options = _kms.Options() with { IntermediateKeyLifetime = TimeSpan.FromMinutes(5), CacheTimeToLive = TimeSpan.FromMinutes(30) };
        using var master = await _kms.CreateAsync(options);
        var written = await KmsHarness.WrapManyAsync(master, 3);
        _kms.Server.DisableKey(_kms.Key.KeyId);

        // Within the IK lifetime the live IK keeps wrapping: KMS is not consulted.
        await KmsHarness.WrapManyAsync(master, 1);
        _kms.Time.Advance(TimeSpan.FromMinutes(5));
        using var dataKey = DataKey.Generate();
        var wrapError = await Assert.ThrowsAsync<KeyUnavailableException>(async () => await master.WrapAsync(dataKey, KmsHarness.Context(9), CancellationToken.None));
        AssertKind(KmsFailureKind.Disabled, wrapError);
        Assert.Contains("is disabled", wrapError.Message, StringComparison.Ordinal);
        Assert.Contains("aws kms enable-key", wrapError.Message, StringComparison.Ordinal);
        Assert.Contains("old_keys", wrapError.Message, StringComparison.Ordinal);

        // The IK is still cached: old objects stay readable until the cache TTL...
        using (var unwrapped = await master.UnwrapAsync(written[0].Wrapped, KmsHarness.Context(0), CancellationToken.None))
        {
            Assert.Equal(written[0].Key.Span.ToArray(), unwrapped.Span.ToArray());
        }

        // ...a cold instance cannot read them...
        using var cold = await _kms.CreateAsync(options);
        Assert.Equal("Disabled", cold.KeyState);
        var coldError = await Assert.ThrowsAsync<KeyUnavailableException>(async () => await cold.UnwrapAsync(written[1].Wrapped, KmsHarness.Context(1), CancellationToken.None));
        AssertKind(KmsFailureKind.Disabled, coldError);

        // ...and after the TTL neither can this one.
        _kms.Time.Advance(TimeSpan.FromMinutes(25));
        var expiredError = await Assert.ThrowsAsync<KeyUnavailableException>(async () => await master.UnwrapAsync(written[2].Wrapped, KmsHarness.Context(2), CancellationToken.None));
        AssertKind(KmsFailureKind.Disabled, expiredError);
    }

    [Fact]
    public async Task UnwrapAsync_ContextBytesChanged_FailsLocalAuthenticationWithoutCallingKmsAgain()
    {
        using var master = await _kms.CreateAsync();
        var written = await KmsHarness.WrapManyAsync(master, 1);

        var e = await Assert.ThrowsAsync<CryptographicException>(async () => await master.UnwrapAsync(written[0].Wrapped, KmsHarness.Context(1), CancellationToken.None));

        Assert.Contains("failed authentication", e.Message, StringComparison.Ordinal);
        Assert.IsType<AuthenticationTagMismatchException>(e.InnerException);
        Assert.Equal(0, _kms.Server.CallCount("Decrypt"));
    }

    [Theory]
    [InlineData("intermediate-key-id")]
    [InlineData("user-context")]
    public async Task UnwrapAsync_KmsContextFieldsChanged_ThrowsInvalidCiphertextMapping(string field)
    {
        var options = _kms.Options() with { EncryptionContext = new Dictionary<string, string> { ["team"] = "storage" } };
        using var writer = await _kms.CreateAsync(options);
        var wrapped = (await KmsHarness.WrapManyAsync(writer, 1))[0].Wrapped;
        var kmsLength = writer.LastKmsCiphertextLength;
        var tampered = (byte[])wrapped.Clone();
        if (field == "intermediate-key-id")
        {
            tampered[1] ^= 0x01;
        }
        else
        {
            // The last byte of the user context: the value "storage" becomes "storagf".
            tampered[19 + kmsLength + 2 + 13 - 1] ^= 0x01;
        }

        using var reader = await _kms.CreateAsync(options);
        var e = await Assert.ThrowsAsync<CryptographicException>(async () => await reader.UnwrapAsync(tampered, KmsHarness.Context(0), CancellationToken.None));

        AssertKind(KmsFailureKind.InvalidCiphertext, e);
        Assert.Contains("altered", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _kms.Server.CallCount("Decrypt"));
    }

    [Fact]
    public async Task UnwrapAsync_BlobWrappedUnderAnotherKmsKey_ThrowsIncorrectKeyMapping()
    {
        var otherKey = _kms.Server.CreateKey();
        using var writer = await _kms.CreateAsync(_kms.Options(otherKey.Arn));
        var wrapped = (await KmsHarness.WrapManyAsync(writer, 1))[0].Wrapped;
        using var reader = await _kms.CreateAsync();

        var e = await Assert.ThrowsAsync<CryptographicException>(async () => await reader.UnwrapAsync(wrapped, KmsHarness.Context(0), CancellationToken.None));

        AssertKind(KmsFailureKind.IncorrectKey, e);
        Assert.Contains(_kms.Key.Arn, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrapAsync_ThrottledTwice_SucceedsAfterSdkRetries()
    {
        using var master = await _kms.CreateAsync();
        _kms.Server.ThrottleNextCalls(2, "GenerateDataKey");

        await KmsHarness.WrapManyAsync(master, 1);

        Assert.Equal(3, _kms.Server.CallCount("GenerateDataKey"));
    }

    [Fact]
    public async Task WrapAsync_ThrottledBeyondMaxAttempts_ThrowsThrottledWithAdvice()
    {
        using var master = await _kms.CreateAsync();
        _kms.Server.ThrottleAllCalls(true);
        using var dataKey = DataKey.Generate();

        var e = await Assert.ThrowsAsync<KeyUnavailableException>(async () => await master.WrapAsync(dataKey, KmsHarness.Context(0), CancellationToken.None));

        AssertKind(KmsFailureKind.Throttled, e);
        Assert.Contains("after 3 attempts", e.Message, StringComparison.Ordinal);
        Assert.Contains("quota", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, _kms.Server.CallCount("GenerateDataKey"));
    }

    [Theory]
    [InlineData("GenerateDataKey")]
    [InlineData("Decrypt")]
    public async Task DeniedOperation_ThrowsAccessDeniedNamingThePermission(string operation)
    {
        using var writer = await _kms.CreateAsync();
        var wrapped = (await KmsHarness.WrapManyAsync(writer, 1))[0].Wrapped;
        using var cold = await _kms.CreateAsync();
        _kms.Server.DenyOperation(_kms.Key.KeyId, operation);
        using var dataKey = DataKey.Generate();

        var e = await Assert.ThrowsAsync<KeyUnavailableException>(async () =>
        {
            if (operation == "Decrypt")
            {
                await cold.UnwrapAsync(wrapped, KmsHarness.Context(0), CancellationToken.None);
            }
            else
            {
                await cold.WrapAsync(dataKey, KmsHarness.Context(0), CancellationToken.None);
            }
        });

        AssertKind(KmsFailureKind.AccessDenied, e);
        Assert.Contains($"grant kms:{operation}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_DescribeKeyDenied_ThrowsAccessDeniedNamingDescribeKey()
    {
        _kms.Server.DenyOperation(_kms.Key.KeyId, "DescribeKey");

        var e = await Assert.ThrowsAsync<KeyUnavailableException>(() => _kms.CreateAsync());

        AssertKind(KmsFailureKind.AccessDenied, e);
        Assert.Contains("grant kms:DescribeKey", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_UnknownAlias_ThrowsNotFoundNamingTheRegion()
    {
        var e = await Assert.ThrowsAsync<KeyUnavailableException>(() => _kms.CreateAsync(_kms.Options("kms:alias/does-not-exist")));

        AssertKind(KmsFailureKind.NotFound, e);
        Assert.Contains("alias/does-not-exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("region us-east-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnwrapAsync_KeyPendingDeletion_ThrowsInvalidStateWithCancelAdvice()
    {
        using var writer = await _kms.CreateAsync();
        var wrapped = (await KmsHarness.WrapManyAsync(writer, 1))[0].Wrapped;
        using var cold = await _kms.CreateAsync();
        _kms.Server.ScheduleKeyDeletion(_kms.Key.KeyId);

        var e = await Assert.ThrowsAsync<KeyUnavailableException>(async () => await cold.UnwrapAsync(wrapped, KmsHarness.Context(0), CancellationToken.None));

        AssertKind(KmsFailureKind.InvalidState, e);
        Assert.Contains("cancel-key-deletion", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alias_ResolvesToArnOnce_RepointingItLaterDoesNotMoveOldObjectsOrTheRunningInstance()
    {
        _kms.Server.SetAlias("alias/s3cfs", _kms.Key.KeyId);
        using var viaAlias = await _kms.CreateAsync(_kms.Options("kms:alias/s3cfs"));
        Assert.Equal(_kms.Key.Arn, viaAlias.KeyId);
        var before = (await KmsHarness.WrapManyAsync(viaAlias, 1))[0];

        var newKey = _kms.Server.CreateKey();
        _kms.Server.SetAlias("alias/s3cfs", newKey.KeyId);
        _kms.Time.Advance(KmsMasterKeyOptions.DefaultIntermediateKeyLifetime);
        var after = (await KmsHarness.WrapManyAsync(viaAlias, 1))[0];
        using var restarted = await _kms.CreateAsync(_kms.Options("kms:alias/s3cfs"));

        Assert.Equal(newKey.Arn, restarted.KeyId);
        using var oldKeyReader = await _kms.CreateAsync(_kms.Options(_kms.Key.Arn));
        foreach (var (key, wrapped) in new[] { before, after })
        {
            using var unwrapped = await oldKeyReader.UnwrapAsync(wrapped, KmsHarness.Context(0), CancellationToken.None);
            Assert.Equal(key.Span.ToArray(), unwrapped.Span.ToArray());
        }

        await Assert.ThrowsAsync<CryptographicException>(async () => await restarted.UnwrapAsync(before.Wrapped, KmsHarness.Context(0), CancellationToken.None));
    }

    private static void AssertKind(KmsFailureKind expected, Exception e)
    {
        var cause = Assert.IsType<KmsFailureException>(e.InnerException);
        Assert.Equal(expected, cause.Kind);
    }
}
