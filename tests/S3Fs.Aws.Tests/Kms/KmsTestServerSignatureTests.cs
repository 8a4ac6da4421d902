using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Microsoft.Extensions.Time.Testing;
using S3Fs.Testing.Kms;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>
/// The test KMS checks SigV4 as AWS does: the real SDK's signed requests pass; unsigned, tampered, stale, wrongly
/// scoped or wrongly keyed requests fail with AWS's error codes.
/// </summary>
public sealed class KmsTestServerSignatureTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private KmsTestServer _server = null!;
    private KmsTestKey _key = null!;

    public Task InitializeAsync()
    {
        _server = KmsTestServer.Start(time: _time);
        _key = _server.CreateKey();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SdkRequest_IsSignedOverHostDateAndTarget_AndAccepted()
    {
        using var client = KmsTestClients.For(_server);

        await client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _key.KeyId });

        var authorization = _server.LastRequest!.Header("Authorization")!;
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={_server.AccessKeyId}/", authorization, StringComparison.Ordinal);
        var signedHeaders = authorization.Split("SignedHeaders=")[1].Split(',')[0].Split(';');
        Assert.Contains("host", signedHeaders);
        Assert.Contains("x-amz-date", signedHeaders);
        Assert.Contains("x-amz-target", signedHeaders);
        Assert.Equal("TrentService.DescribeKey", _server.LastRequest.Header("X-Amz-Target"));
        Assert.StartsWith("application/x-amz-json-1.1", _server.LastRequest.Header("Content-Type"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsignedHttpRequest_Returns400MissingAuthenticationToken()
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
        using var content = new StringContent($$"""{"KeyId":"{{_key.KeyId}}"}""", Encoding.UTF8);
        content.Headers.ContentType = new("application/x-amz-json-1.1");
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.Endpoint) { Content = content };
        request.Headers.Add("X-Amz-Target", "TrentService.DescribeKey");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException", await ErrorTypeAsync(response));
        Assert.Equal(0, _server.CallCount("DescribeKey"));
    }

    [Fact]
    public async Task ReplayedSdkRequest_Unchanged_IsAccepted()
    {
        var captured = await CaptureDescribeKeyAsync();

        var response = _server.Handle(captured);

        Assert.Equal(200, response.StatusCode);
    }

    [Fact]
    public async Task ReplayedSdkRequest_TamperedBody_ThrowsInvalidSignature()
    {
        var other = _server.CreateKey();
        var captured = await CaptureDescribeKeyAsync();
        var body = Encoding.UTF8.GetString(captured.Body).Replace(_key.KeyId, other.KeyId, StringComparison.Ordinal);
        Assert.NotEqual(Encoding.UTF8.GetString(captured.Body), body);

        var response = _server.Handle(captured with { Body = Encoding.UTF8.GetBytes(body) });

        Assert.Equal(400, response.StatusCode);
        Assert.Equal("InvalidSignatureException", ErrorType(response.Body));
    }

    [Fact]
    public async Task ReplayedSdkRequest_TamperedTarget_ThrowsInvalidSignature()
    {
        var captured = await CaptureDescribeKeyAsync();

        var response = _server.Handle(captured.WithHeader("X-Amz-Target", "TrentService.Decrypt"));

        Assert.Equal("InvalidSignatureException", ErrorType(response.Body));
    }

    [Fact]
    public async Task ReplayedSdkRequest_AfterSixMinutes_ThrowsSignatureExpired()
    {
        var captured = await CaptureDescribeKeyAsync();
        _time.Advance(TimeSpan.FromMinutes(6));

        var response = _server.Handle(captured);

        Assert.Equal("InvalidSignatureException", ErrorType(response.Body));
        Assert.Contains("Signature expired", Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SdkClient_WrongSecret_ThrowsInvalidSignature()
    {
        using var client = KmsTestClients.For(_server, secretAccessKey: "not-the-secret");

        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _key.KeyId }));

        Assert.Equal("InvalidSignatureException", e.ErrorCode);
    }

    [Fact]
    public async Task SdkClient_UnknownAccessKey_ThrowsUnrecognizedClient()
    {
        using var client = KmsTestClients.For(_server, accessKeyId: "AKIAUNKNOWN000000000");

        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _key.KeyId }));

        Assert.Equal("UnrecognizedClientException", e.ErrorCode);
    }

    [Fact]
    public async Task SdkClient_SignedForAnotherRegion_ThrowsInvalidSignature()
    {
        using var client = KmsTestClients.For(_server, region: "eu-central-1");

        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _key.KeyId }));

        Assert.Equal("InvalidSignatureException", e.ErrorCode);
        Assert.Contains("eu-central-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SdkClient_AddedCredentials_AreAccepted()
    {
        _server.AddCredentials("AKIASECONDPRINCIPAL0", "second-secret");
        using var client = KmsTestClients.For(_server, accessKeyId: "AKIASECONDPRINCIPAL0", secretAccessKey: "second-secret");

        var response = await client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _key.KeyId });

        Assert.Equal(_key.Arn, response.KeyMetadata.Arn);
    }

    private async Task<RawHttpRequest> CaptureDescribeKeyAsync()
    {
        using var client = KmsTestClients.For(_server);
        await client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = _key.KeyId });
        return _server.LastRequest!;
    }

    private static async Task<string?> ErrorTypeAsync(HttpResponseMessage response) =>
        ErrorType(await response.Content.ReadAsByteArrayAsync());

    private static string? ErrorType(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("__type").GetString();
    }
}
