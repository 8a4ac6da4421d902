using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using S3Fs.Aws.Kms;
using S3Fs.Crypto.Keys;
using KeyUnavailableException = S3Fs.Crypto.Keys.KeyUnavailableException;
using Xunit.Abstractions;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>
/// <see cref="KmsMasterKey"/> round trips and KMS economy, measured as calls received by the test KMS through the
/// real SDK client.
/// </summary>
public sealed class KmsMasterKeyTests(ITestOutputHelper output) : IAsyncDisposable
{
    private readonly KmsHarness _kms = new();

    public ValueTask DisposeAsync() => _kms.DisposeAsync();

    [Fact]
    public async Task CreateAsync_KeyArn_RecordsProviderAndArnAfterOneDescribeKey()
    {
        using var master = await _kms.CreateAsync();

        Assert.Equal("kms", master.Provider);
        Assert.Equal(_kms.Key.Arn, master.KeyId);
        Assert.Equal("Enabled", master.KeyState);
        Assert.True(master.CanWrap);
        Assert.True(master.CanUnwrap);
        Assert.Equal(1, _kms.Server.CallCount("DescribeKey"));
    }

    [Fact]
    public async Task WrapAsync_ThenUnwrapAsyncOnColdInstance_ReturnsTheSameDataKey()
    {
        using var writer = await _kms.CreateAsync();
        using var reader = await _kms.CreateAsync();
        using var dataKey = DataKey.Generate();

        var wrapped = await writer.WrapAsync(dataKey, KmsHarness.Context(1), CancellationToken.None);
        using var unwrapped = await reader.UnwrapAsync(wrapped, KmsHarness.Context(1), CancellationToken.None);

        Assert.Equal(dataKey.Span.ToArray(), unwrapped.Span.ToArray());
        Assert.DoesNotContain(Convert.ToHexString(dataKey.Span), Convert.ToHexString(wrapped), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrapAsync_100DataKeys_MakesOneGenerateDataKeyCall()
    {
        using var master = await _kms.CreateAsync();

        var wrapped = await KmsHarness.WrapManyAsync(master, 100);

        Assert.Equal(1, _kms.Server.CallCount("GenerateDataKey"));
        Assert.Equal(1, _kms.Server.CallCount("DescribeKey"));
        Assert.Equal(100, wrapped.Select(w => Convert.ToBase64String(w.Wrapped)).Distinct().Count());
        output.WriteLine($"100 wraps: GenerateDataKey={_kms.Server.CallCount("GenerateDataKey")}, DescribeKey={_kms.Server.CallCount("DescribeKey")}");
    }

    [Fact]
    public async Task UnwrapAsync_100DataKeysOnColdInstance_MakesOneDecryptAndNoFurtherDescribeKey()
    {
        List<(DataKey Key, byte[] Wrapped)> wrapped;
        using (var writer = await _kms.CreateAsync())
        {
            wrapped = await KmsHarness.WrapManyAsync(writer, 100);
        }

        using var reader = await _kms.CreateAsync();
        _kms.Server.ResetCallCounts();
        for (var i = 0; i < wrapped.Count; i++)
        {
            using var unwrapped = await reader.UnwrapAsync(wrapped[i].Wrapped, KmsHarness.Context(i), CancellationToken.None);
            Assert.Equal(wrapped[i].Key.Span.ToArray(), unwrapped.Span.ToArray());
        }

        Assert.Equal(1, _kms.Server.CallCount("Decrypt"));
        Assert.Equal(0, _kms.Server.CallCount("DescribeKey"));
        Assert.Equal(0, _kms.Server.CallCount("GenerateDataKey"));
        output.WriteLine($"100 cold unwraps: Decrypt={_kms.Server.CallCount("Decrypt")}, DescribeKey={_kms.Server.CallCount("DescribeKey")}");
    }

    [Fact]
    public async Task UnwrapAsync_OnTheInstanceThatWrapped_MakesNoDecrypt()
    {
        using var master = await _kms.CreateAsync();
        var wrapped = await KmsHarness.WrapManyAsync(master, 10);

        for (var i = 0; i < wrapped.Count; i++)
        {
            using var unwrapped = await master.UnwrapAsync(wrapped[i].Wrapped, KmsHarness.Context(i), CancellationToken.None);
        }

        Assert.Equal(0, _kms.Server.CallCount("Decrypt"));
    }

    [Fact]
    public async Task WrapAsync_AfterIntermediateKeyLifetime_GeneratesASecondIntermediateKey()
    {
        using var writer = await _kms.CreateAsync(_kms.Options() with { IntermediateKeyLifetime = TimeSpan.FromMinutes(10) });
        var first = await KmsHarness.WrapManyAsync(writer, 5);
        _kms.Time.Advance(TimeSpan.FromMinutes(9));
        var stillFirst = await KmsHarness.WrapManyAsync(writer, 5);
        Assert.Equal(1, _kms.Server.CallCount("GenerateDataKey"));

        _kms.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await KmsHarness.WrapManyAsync(writer, 5);

        Assert.Equal(2, _kms.Server.CallCount("GenerateDataKey"));
        using var reader = await _kms.CreateAsync();
        foreach (var (key, wrapped) in first.Concat(stillFirst).Concat(second).Select((w, i) => (w, i)).Select(p => (p.w.Key, (p.w.Wrapped, p.i % 5))))
        {
            using var unwrapped = await reader.UnwrapAsync(wrapped.Wrapped, KmsHarness.Context(wrapped.Item2), CancellationToken.None);
            Assert.Equal(key.Span.ToArray(), unwrapped.Span.ToArray());
        }

        Assert.Equal(2, _kms.Server.CallCount("Decrypt"));
    }

    [Fact]
    public async Task WrapAsync_MaxWrapsReached_RotatesTheIntermediateKey()
    {
        using var master = await _kms.CreateAsync(_kms.Options() with { IntermediateKeyMaxWraps = 10 });

        await KmsHarness.WrapManyAsync(master, 25);

        Assert.Equal(3, _kms.Server.CallCount("GenerateDataKey"));
    }

    [Fact]
    public async Task UnwrapAsync_ConcurrentColdUnwrapsOfOneIntermediateKey_ShareOneDecrypt()
    {
        using var writer = await _kms.CreateAsync();
        var wrapped = await KmsHarness.WrapManyAsync(writer, 50);
        using var reader = await _kms.CreateAsync();
        var gate = _kms.Server.HoldCalls("Decrypt");

        var unwraps = wrapped.Select((w, i) => reader.UnwrapAsync(w.Wrapped, KmsHarness.Context(i), CancellationToken.None).AsTask()).ToList();
        await gate.WaitForHeldCallsAsync(1);
        await Task.Delay(100);
        Assert.Equal(1, gate.HeldCalls);
        gate.Release();
        var keys = await Task.WhenAll(unwraps);

        Assert.Equal(1, _kms.Server.CallCount("Decrypt"));
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(wrapped[i].Key.Span.ToArray(), keys[i].Span.ToArray());
            keys[i].Dispose();
        }
    }

    [Fact]
    public async Task UnwrapAsync_AfterCacheTimeToLive_DecryptsAgain()
    {
        using var writer = await _kms.CreateAsync();
        var wrapped = await KmsHarness.WrapManyAsync(writer, 2);
        using var reader = await _kms.CreateAsync(_kms.Options() with { CacheTimeToLive = TimeSpan.FromMinutes(5) });

        (await reader.UnwrapAsync(wrapped[0].Wrapped, KmsHarness.Context(0), CancellationToken.None)).Dispose();
        _kms.Time.Advance(TimeSpan.FromMinutes(4));
        (await reader.UnwrapAsync(wrapped[1].Wrapped, KmsHarness.Context(1), CancellationToken.None)).Dispose();
        Assert.Equal(1, _kms.Server.CallCount("Decrypt"));
        _kms.Time.Advance(TimeSpan.FromMinutes(1));
        (await reader.UnwrapAsync(wrapped[0].Wrapped, KmsHarness.Context(0), CancellationToken.None)).Dispose();

        Assert.Equal(2, _kms.Server.CallCount("Decrypt"));
    }

    [Fact]
    public async Task UnwrapAsync_CacheDisabled_DecryptsEveryTime()
    {
        using var writer = await _kms.CreateAsync();
        var wrapped = await KmsHarness.WrapManyAsync(writer, 3);
        using var reader = await _kms.CreateAsync(_kms.Options() with { CacheCapacity = 0 });

        for (var i = 0; i < 3; i++)
        {
            (await reader.UnwrapAsync(wrapped[i].Wrapped, KmsHarness.Context(i), CancellationToken.None)).Dispose();
        }

        Assert.Equal(3, _kms.Server.CallCount("Decrypt"));
    }

    [Fact]
    public async Task WrapAsync_UserContext_IsSentToKmsWithOurFieldsAndStoredInTheBlob()
    {
        var context = new Dictionary<string, string> { ["team"] = "storage", ["env"] = "test" };
        using var writer = await _kms.CreateAsync(_kms.Options() with { EncryptionContext = context });
        using var dataKey = DataKey.Generate();

        var wrapped = await writer.WrapAsync(dataKey, KmsHarness.Context(7), CancellationToken.None);

        using (var request = JsonDocument.Parse(_kms.Server.LastRequest!.Body))
        {
            var sent = request.RootElement.GetProperty("EncryptionContext").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal("storage", sent["team"]);
            Assert.Equal("test", sent["env"]);
            Assert.Equal(KmsEncryptionContext.PurposeValue, sent[KmsEncryptionContext.PurposeKey]);
            Assert.Equal(32, sent[KmsEncryptionContext.IntermediateKeyIdKey]!.Length);
            Assert.Equal(4, sent.Count);
        }

        // A reader configured with another kms_context still reads: the context an IK was made under travels with it.
        using var reader = await _kms.CreateAsync(_kms.Options() with { EncryptionContext = new Dictionary<string, string> { ["team"] = "other" } });
        using var unwrapped = await reader.UnwrapAsync(wrapped, KmsHarness.Context(7), CancellationToken.None);
        Assert.Equal(dataKey.Span.ToArray(), unwrapped.Span.ToArray());
    }

    [Fact]
    public async Task WrapAsync_BlobSize_Is81BytesPlusKmsCiphertextAndUserContext()
    {
        using var plain = await _kms.CreateAsync();
        var context = new Dictionary<string, string> { ["team"] = "storage" };
        using var withContext = await _kms.CreateAsync(_kms.Options() with { EncryptionContext = context });
        using var dataKey = DataKey.Generate();

        var blob = await plain.WrapAsync(dataKey, KmsHarness.Context(1), CancellationToken.None);
        var blobWithContext = await withContext.WrapAsync(dataKey, KmsHarness.Context(1), CancellationToken.None);

        var kmsLength = plain.LastKmsCiphertextLength;
        Assert.Equal(81 + kmsLength, blob.Length);
        Assert.Equal(blob.Length, plain.WrappedSize);
        Assert.Equal(81 + kmsLength + 1 + 4 + 1 + 7, blobWithContext.Length);
        output.WriteLine(
            $"KMS ciphertext {kmsLength} B (test server); blob {blob.Length} B, base64 {Convert.ToBase64String(blob).Length} chars; "
            + $"with kms_context team=storage: {blobWithContext.Length} B. With AWS's 167-byte ciphertext: {IntermediateKeyBlob.SizeFor(167, 0)} B, "
            + $"base64 {(IntermediateKeyBlob.SizeFor(167, 0) + 2) / 3 * 4} chars.");
    }

    [Fact]
    public async Task WrapAsync_SdkPlaintextBuffers_AreZeroedAfterUse()
    {
        var options = _kms.Options();
        using var recording = new RecordingKmsClient(new BasicAWSCredentials(_kms.Server.AccessKeyId, _kms.Server.SecretAccessKey), _kms.Server);
        using var writer = await _kms.CreateAsync(options, recording);
        using var reader = await _kms.CreateAsync(options, recording);
        using var dataKey = DataKey.Generate();

        var wrapped = await writer.WrapAsync(dataKey, KmsHarness.Context(1), CancellationToken.None);
        using var unwrapped = await reader.UnwrapAsync(wrapped, KmsHarness.Context(1), CancellationToken.None);

        Assert.Equal(32, recording.GeneratePlaintext!.Length);
        Assert.All(recording.GeneratePlaintext.ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(32, recording.DecryptPlaintext!.Length);
        Assert.All(recording.DecryptPlaintext.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task Logs_FromAliasResolutionRotationAndFailures_NeverContainKeyBytes()
    {
        _kms.Server.SetAlias("alias/logged", _kms.Key.KeyId);
        var options = _kms.Options("kms:alias/logged") with { IntermediateKeyLifetime = TimeSpan.FromMinutes(1) };
        using var recording = new RecordingKmsClient(new BasicAWSCredentials(_kms.Server.AccessKeyId, _kms.Server.SecretAccessKey), _kms.Server);
        var logger = new ListLogger();
        using var master = await KmsMasterKey.CreateAsync(options, recording, _kms.Time, logger, CancellationToken.None);
        using var dataKey = DataKey.Generate();
        var wrapped = await master.WrapAsync(dataKey, KmsHarness.Context(1), CancellationToken.None);
        _kms.Time.Advance(TimeSpan.FromMinutes(1));
        await master.WrapAsync(dataKey, KmsHarness.Context(2), CancellationToken.None);
        _kms.Server.DisableKey(_kms.Key.KeyId);
        using var disabled = await KmsMasterKey.CreateAsync(options, recording, _kms.Time, logger, CancellationToken.None);
        var error = await Assert.ThrowsAsync<KeyUnavailableException>(async () => await disabled.UnwrapAsync(wrapped, KmsHarness.Context(1), CancellationToken.None));

        var text = string.Join('\n', logger.Messages.Append(error.ToString()));
        Assert.Contains("resolved to", text, StringComparison.Ordinal);
        Assert.Contains("New KMS intermediate key", text, StringComparison.Ordinal);
        Assert.Contains("is Disabled", text, StringComparison.Ordinal);
        var secrets = recording.PlaintextCopies.Append(dataKey.Span.ToArray()).ToList();
        Assert.Equal(3, secrets.Count);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(Convert.ToHexString(secret), text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(secret), text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dispose_ThenWrapOrUnwrap_ThrowsObjectDisposed()
    {
        var master = await _kms.CreateAsync();
        using var dataKey = DataKey.Generate();
        var wrapped = await master.WrapAsync(dataKey, KmsHarness.Context(1), CancellationToken.None);

        master.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await master.WrapAsync(dataKey, KmsHarness.Context(1), CancellationToken.None));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await master.UnwrapAsync(wrapped, KmsHarness.Context(1), CancellationToken.None));
    }

    /// <summary>Keeps every formatted message, at every level.</summary>
    private sealed class ListLogger : ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages)
            {
                Messages.Add($"{logLevel}: {formatter(state, exception)} {exception}");
            }
        }
    }

    /// <summary>The real SDK client, keeping the plaintext streams of the responses it returned.</summary>
    private sealed class RecordingKmsClient(AWSCredentials credentials, S3Fs.Testing.Kms.KmsTestServer server)
        : AmazonKeyManagementServiceClient(credentials, new AmazonKeyManagementServiceConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = server.Region })
    {
        public MemoryStream? GeneratePlaintext { get; private set; }

        /// <summary>Copies of every plaintext key returned, taken before S3Fs zeroes the streams.</summary>
        public List<byte[]> PlaintextCopies { get; } = [];

        public MemoryStream? DecryptPlaintext { get; private set; }

        public override async Task<GenerateDataKeyResponse> GenerateDataKeyAsync(GenerateDataKeyRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.GenerateDataKeyAsync(request, cancellationToken);
            GeneratePlaintext = response.Plaintext;
            PlaintextCopies.Add(response.Plaintext.ToArray());
            return response;
        }

        public override async Task<DecryptResponse> DecryptAsync(DecryptRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.DecryptAsync(request, cancellationToken);
            DecryptPlaintext = response.Plaintext;
            PlaintextCopies.Add(response.Plaintext.ToArray());
            return response;
        }
    }
}
