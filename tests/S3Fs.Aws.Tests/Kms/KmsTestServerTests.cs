using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using S3Fs.Testing.Kms;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>The test KMS behaves like AWS KMS as seen through the real AWSSDK.KeyManagementService client.</summary>
public sealed class KmsTestServerTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Context = new() { ["purpose"] = "test", ["file"] = "42" };

    private readonly KmsTestServer _server = KmsTestServer.Start(region: "eu-west-1", accountId: "123456789012");
    private AmazonKeyManagementServiceClient _client = null!;

    public Task InitializeAsync()
    {
        _client = KmsTestClients.For(_server);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task GenerateDataKey_ThenDecrypt_ReturnsTheSamePlaintextAndArn()
    {
        var key = _server.CreateKey();

        var generated = await _client.GenerateDataKeyAsync(new GenerateDataKeyRequest
        {
            KeyId = key.KeyId,
            KeySpec = DataKeySpec.AES_256,
            EncryptionContext = Context,
        });
        var decrypted = await _client.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = generated.CiphertextBlob,
            EncryptionContext = Context,
            KeyId = key.Arn,
        });

        Assert.Equal(32, generated.Plaintext.Length);
        Assert.Equal(key.Arn, generated.KeyId);
        Assert.Equal(key.Arn, decrypted.KeyId);
        Assert.Equal(generated.Plaintext.ToArray(), decrypted.Plaintext.ToArray());
        Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, decrypted.EncryptionAlgorithm);
    }

    [Fact]
    public async Task GenerateDataKey_NumberOfBytes_ReturnsThatManyBytes()
    {
        var key = _server.CreateKey();

        var generated = await _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, NumberOfBytes = 64 });

        Assert.Equal(64, generated.Plaintext.Length);
    }

    [Fact]
    public async Task GenerateDataKey_KeySpecAndNumberOfBytes_ThrowsValidation()
    {
        var key = _server.CreateKey();

        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256, NumberOfBytes = 32 }));

        Assert.Equal("ValidationException", e.ErrorCode);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("arn")]
    [InlineData("alias")]
    [InlineData("alias-arn")]
    public async Task Encrypt_AnyKeyIdentifierForm_RoundTripsThroughDecrypt(string form)
    {
        var key = _server.CreateKey();
        _server.SetAlias("alias/s3cfs-roundtrip", key.KeyId);
        var keyId = form switch
        {
            "id" => key.KeyId,
            "arn" => key.Arn,
            "alias" => "alias/s3cfs-roundtrip",
            _ => $"arn:aws:kms:eu-west-1:123456789012:alias/s3cfs-roundtrip",
        };

        var encrypted = await _client.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream("hello"u8.ToArray()) });
        var decrypted = await _client.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob });

        Assert.Equal(key.Arn, encrypted.KeyId);
        Assert.Equal("hello", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
    }

    [Fact]
    public async Task Decrypt_DifferentEncryptionContext_ThrowsInvalidCiphertext()
    {
        var key = _server.CreateKey();
        var generated = await _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256, EncryptionContext = Context });

        await Assert.ThrowsAsync<InvalidCiphertextException>(() => _client.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = generated.CiphertextBlob,
            EncryptionContext = new Dictionary<string, string>(Context) { ["file"] = "43" },
        }));
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => _client.DecryptAsync(new DecryptRequest { CiphertextBlob = generated.CiphertextBlob }));
    }

    [Fact]
    public async Task Decrypt_TamperedCiphertext_ThrowsInvalidCiphertext()
    {
        var key = _server.CreateKey();
        var generated = await _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 });
        var blob = generated.CiphertextBlob.ToArray();
        blob[^1] ^= 1;

        await Assert.ThrowsAsync<InvalidCiphertextException>(() => _client.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) }));
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => _client.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream("not a kms blob at all, just bytes"u8.ToArray()) }));
    }

    [Fact]
    public async Task Decrypt_KeyIdOfAnotherKey_ThrowsIncorrectKey()
    {
        var key = _server.CreateKey();
        var other = _server.CreateKey();
        var generated = await _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 });

        await Assert.ThrowsAsync<IncorrectKeyException>(() =>
            _client.DecryptAsync(new DecryptRequest { CiphertextBlob = generated.CiphertextBlob, KeyId = other.Arn }));
    }

    [Fact]
    public async Task DescribeKey_Alias_ReturnsKeyMetadataOfTheTarget()
    {
        var key = _server.CreateKey("s3cfs test key");
        _server.SetAlias("alias/described", key.KeyId);

        var metadata = (await _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/described" })).KeyMetadata;

        Assert.Equal(key.Arn, metadata.Arn);
        Assert.Equal(key.KeyId, metadata.KeyId);
        Assert.Equal("123456789012", metadata.AWSAccountId);
        Assert.Equal(KeyState.Enabled, metadata.KeyState);
        Assert.True(metadata.Enabled);
        Assert.Equal(KeyUsageType.ENCRYPT_DECRYPT, metadata.KeyUsage);
        Assert.Equal(KeySpec.SYMMETRIC_DEFAULT, metadata.KeySpec);
        Assert.Equal("s3cfs test key", metadata.Description);
        Assert.InRange(metadata.CreationDate!.Value, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task DescribeKey_UnknownKeyOrAlias_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Guid.NewGuid().ToString() }));
        var e = await Assert.ThrowsAsync<NotFoundException>(() => _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/nope" }));
        Assert.Contains("alias/nope is not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisabledKey_CryptographicCallsThrowDisabled_DescribeKeyShowsState_EnableRestores()
    {
        var key = _server.CreateKey();
        var generated = await _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 });
        _server.DisableKey(key.KeyId);

        await Assert.ThrowsAsync<DisabledException>(() => _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 }));
        await Assert.ThrowsAsync<DisabledException>(() => _client.DecryptAsync(new DecryptRequest { CiphertextBlob = generated.CiphertextBlob }));
        var metadata = (await _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId })).KeyMetadata;
        Assert.Equal(KeyState.Disabled, metadata.KeyState);
        Assert.False(metadata.Enabled);

        _server.EnableKey(key.KeyId);
        generated.CiphertextBlob.Position = 0;
        await _client.DecryptAsync(new DecryptRequest { CiphertextBlob = generated.CiphertextBlob });
    }

    [Fact]
    public async Task PendingDeletionKey_Decrypt_ThrowsKmsInvalidState()
    {
        var key = _server.CreateKey();
        var generated = await _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 });
        _server.ScheduleKeyDeletion(key.KeyId);

        await Assert.ThrowsAsync<KMSInvalidStateException>(() => _client.DecryptAsync(new DecryptRequest { CiphertextBlob = generated.CiphertextBlob }));
    }

    [Fact]
    public async Task DeniedOperation_ThrowsAccessDeniedNamingThePermission_OtherOperationsStillWork()
    {
        var key = _server.CreateKey();
        _server.DenyOperation(key.KeyId, "Decrypt");
        var generated = await _client.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 });

        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            _client.DecryptAsync(new DecryptRequest { CiphertextBlob = generated.CiphertextBlob }));

        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Contains("kms:Decrypt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThrottleNextCalls_WithoutRetries_ThrowsThrottling_ThenRecovers()
    {
        var key = _server.CreateKey();
        _server.ThrottleNextCalls(1);

        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }));
        await _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId });

        Assert.Equal("ThrottlingException", e.ErrorCode);
        Assert.Equal(2, _server.CallCount("DescribeKey"));
    }

    [Fact]
    public async Task ThrottleNextCalls_ClientWithRetries_SucceedsAfterRetrying()
    {
        var key = _server.CreateKey();
        using var retrying = KmsTestClients.For(_server, maxErrorRetry: 3);
        _server.ThrottleNextCalls(2, "DescribeKey");

        await retrying.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId });

        Assert.Equal(3, _server.CallCount("DescribeKey"));
    }

    [Fact]
    public async Task ThrottleAllCalls_ClientWithRetries_GivesUpAfterMaxAttempts()
    {
        var key = _server.CreateKey();
        using var retrying = KmsTestClients.For(_server, maxErrorRetry: 2);
        _server.ThrottleAllCalls(true);

        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => retrying.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }));

        Assert.Equal("ThrottlingException", e.ErrorCode);
        Assert.Equal(3, _server.CallCount("DescribeKey"));
    }

    [Fact]
    public async Task CallCount_CountsEachOperationSeparately()
    {
        var key = _server.CreateKey();

        for (var i = 0; i < 3; i++)
        {
            await _client.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1, 2, 3]) });
        }

        await _client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId });

        Assert.Equal(3, _server.CallCount("Encrypt"));
        Assert.Equal(1, _server.CallCount("DescribeKey"));
        Assert.Equal(0, _server.CallCount("Decrypt"));
        _server.ResetCallCounts();
        Assert.Equal(0, _server.CallCount("Encrypt"));
    }
}
