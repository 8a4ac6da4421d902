using S3Fs.Cli.Options;

namespace S3Fs.Cli.Tests.Options;

public class SseSettingsTests
{
    private static ConnectionSettings Bind(string text) =>
        ConnectionSettings.Bind(OptionSet.Build(OptionsReader.ParseFileText("bucket = photos\n" + text, "s.conf"), [], "/etc/s3cfs"));

    [Fact]
    public void Bind_Default_IsNone()
    {
        Assert.Equal("none", Bind("").Sse.Mode);
    }

    [Fact]
    public void Bind_Kms_WithKeyContextAndBucketKey()
    {
        var s = Bind("sse = kms\nsse_kms_key_id = alias/x\nsse_kms_context = a:1;b:2\nsse_bucket_key = true").Sse;
        Assert.Equal("kms", s.Mode);
        Assert.Equal("alias/x", s.KmsKeyId);
        Assert.Equal("2", s.KmsContext!["b"]);
        Assert.True(s.BucketKey);
    }

    [Fact]
    public void Bind_KmsOptionsWithoutKmsMode_AreRejectedWithLine()
    {
        var e = Assert.Throws<OptionsException>(() => Bind("sse = s3\nsse_kms_key_id = alias/x"));
        Assert.Equal("s.conf:3: sse_kms_key_id is set but sse = s3; set sse = kms, or remove it", e.Errors[0].ToString());
    }

    [Fact]
    public void Bind_SseCWithoutKey_SaysHowToMakeOne()
    {
        var e = Assert.Throws<OptionsException>(() => Bind("sse = c"));
        Assert.Contains("sse = c needs a customer key", e.Message);
        Assert.Contains("head -c 32 /dev/urandom", e.Message);
    }

    [Fact]
    public void Bind_SseCKeyWithoutSseC_IsRejected()
    {
        var e = Assert.Throws<OptionsException>(() => Bind("sse_c_key = k"));
        Assert.Contains("sse_c_key is set but sse = none", e.Message);
    }

    [Fact]
    public void Bind_SseCOverHttp_NeedsExplicitPermission()
    {
        var e = Assert.Throws<OptionsException>(() => Bind("endpoint = http://127.0.0.1:7480\nsse = c\nsse_c_key = k"));
        Assert.Contains("plain http", e.Message);
        Assert.Contains("allow_http_sse_c = true", e.Message);
        var ok = Bind("endpoint = http://127.0.0.1:7480\nsse = c\nsse_c_key = k\nallow_http_sse_c = true").Sse;
        Assert.Equal("/etc/s3cfs/k", ok.CustomerKeyFile);
    }

    [Fact]
    public void Bind_SseCOverHttps_IsFine()
    {
        Assert.Equal("c", Bind("endpoint = https://s3.example.com\nsse = c\nsse_c_key = /k").Sse.Mode);
    }

    [Fact]
    public void Bind_TuningOptions_AreCheckedAndApplied()
    {
        var c = Bind("retries = 8\nmax_connections = 32\nrequest_timeout = 30s");
        Assert.Equal(8, c.Retries);
        Assert.Equal(32, c.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(30), c.RequestTimeout);
        var e = Assert.Throws<OptionsException>(() => Bind("retries = 0\nrequest_timeout = 100ms"));
        Assert.Equal(2, e.Errors.Count);
    }

    [Fact]
    public void StoreOptions_CarryTheSettings()
    {
        var c = Bind("endpoint = http://127.0.0.1:7480\nsse = kms\nsse_kms_key_id = testkey-1\nretries = 3");
        var o = AwsServiceFactory.ToStoreOptions(c);
        Assert.Equal(S3Fs.Core.Storage.SseMode.Kms, o.ServerSideEncryption.Mode);
        Assert.Equal("testkey-1", o.ServerSideEncryption.KmsKeyId);
        Assert.Equal(3, o.Retry.MaxAttempts);
        Assert.True(o.PathStyle);
        Assert.Equal("http://127.0.0.1:7480", o.Endpoint);
    }
}
