using S3Fs.Testing;

namespace S3Fs.Aws.Tests;

/// <summary>The RGW fixture reads rgw-start.sh's env file and refuses anything but loopback.</summary>
public sealed class RgwEnvironmentTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"s3fs-env-test-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(_path);

    private void Write(string endpoint) => File.WriteAllText(_path, $"""
        # comment
        export S3_ENDPOINT={endpoint}
        export S3_BUCKET=b
        export AWS_ACCESS_KEY_ID=AK
        export AWS_SECRET_ACCESS_KEY=SK
        export RGW_KMS_KEY_IDS="testkey-1 testkey-2"
        """);

    [Theory]
    [InlineData("http://127.0.0.1:7480")]
    [InlineData("http://localhost:7480")]
    [InlineData("http://[::1]:7480")]
    public void FromFile_LoopbackEndpoint_ParsesEverything(string endpoint)
    {
        Write(endpoint);

        var env = RgwEnvironment.FromFile(_path);

        Assert.Equal(new Uri(endpoint), env.Endpoint);
        Assert.Equal("b", env.Bucket);
        Assert.Equal("AK", env.AccessKeyId);
        Assert.Equal("SK", env.SecretAccessKey);
        Assert.Equal(["testkey-1", "testkey-2"], env.KmsKeyIds);
        Assert.Equal("us-east-1", env.Region);
    }

    [Theory]
    [InlineData("https://s3.amazonaws.com")]
    [InlineData("http://10.0.0.5:7480")]
    public void FromFile_NonLoopbackEndpoint_IsRefused(string endpoint)
    {
        Write(endpoint);

        var ex = Assert.Throws<InvalidOperationException>(() => RgwEnvironment.FromFile(_path));

        Assert.Contains("not loopback", ex.Message, StringComparison.Ordinal);
    }
}
