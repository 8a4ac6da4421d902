using S3Fs.Aws.Storage;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Tests.Storage;

/// <summary>Option validation and endpoint handling (no server needed).</summary>
public sealed class S3ClientBuilderTests
{
    [Theory]
    [InlineData("s3.example.com", "https://s3.example.com/")]
    [InlineData("minio.local:9000", "https://minio.local:9000/")]
    [InlineData("http://127.0.0.1:7480", "http://127.0.0.1:7480/")]
    [InlineData("https://s3.eu-west-1.amazonaws.com", "https://s3.eu-west-1.amazonaws.com/")]
    public void NormalizeEndpoint_WithoutScheme_DefaultsToHttps(string input, string expected)
    {
        Assert.Equal(expected, S3ClientBuilder.NormalizeEndpoint(input)!.ToString());
    }

    [Fact]
    public void NormalizeEndpoint_Null_MeansAws()
    {
        Assert.Null(S3ClientBuilder.NormalizeEndpoint(null));
        Assert.Null(S3ClientBuilder.NormalizeEndpoint("  "));
    }

    [Theory]
    [InlineData("ftp://host")]
    [InlineData("http://")]
    public void NormalizeEndpoint_NotHttp_ThrowsWithExample(string input)
    {
        var ex = Assert.Throws<ArgumentException>(() => S3ClientBuilder.NormalizeEndpoint(input));

        Assert.Contains("https://s3.example.com", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SseCOverHttpsEndpoint_IsAccepted()
    {
        using var key = new CustomerKey(new byte[32]);
        using var store = new S3ObjectStore(new S3StoreOptions
        {
            Bucket = "b",
            Endpoint = "s3.example.com",
            Credentials = new S3Credentials("a", "s"),
            ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.CustomerKey, CustomerKey = key },
        });

        Assert.Equal("b", store.Bucket);
    }

    [Fact]
    public void Constructor_SseCOverHttpWithAllowHttpSseC_IsAccepted()
    {
        using var key = new CustomerKey(new byte[32]);
        using var store = new S3ObjectStore(new S3StoreOptions
        {
            Bucket = "b",
            Endpoint = "http://127.0.0.1:1",
            AllowHttpSseC = true,
            Credentials = new S3Credentials("a", "s"),
            ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.CustomerKey, CustomerKey = key },
        });

        Assert.Equal("b", store.Bucket);
    }

    [Fact]
    public void Constructor_SseCWithoutKey_ThrowsWithAdvice()
    {
        var ex = Assert.Throws<ArgumentException>(() => new S3ObjectStore(new S3StoreOptions
        {
            Bucket = "b",
            ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.CustomerKey },
        }));

        Assert.Contains("no customer key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UnknownProfile_ThrowsNamingProfileAndFiles()
    {
        var ex = Assert.Throws<ArgumentException>(() => new S3ObjectStore(new S3StoreOptions
        {
            Bucket = "b",
            Endpoint = "http://127.0.0.1:1",
            Profile = "s3fs-no-such-profile-" + Guid.NewGuid().ToString("N"),
        }));

        Assert.Contains("s3fs-no-such-profile-", ex.Message, StringComparison.Ordinal);
        Assert.Contains("~/.aws/credentials", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 64, "bucket")]
    [InlineData("b", 0, "MaxConcurrentRequests")]
    public void Constructor_BadSettings_ThrowNamingTheSetting(string bucket, int concurrency, string mentioned)
    {
        var ex = Assert.Throws<ArgumentException>(() => new S3ObjectStore(new S3StoreOptions { Bucket = bucket, MaxConcurrentRequests = concurrency, Endpoint = "http://127.0.0.1:1" }));

        Assert.Contains(mentioned, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Capabilities_BeforeDetection_AreOffUnlessConfigured()
    {
        using var store = new S3ObjectStore(new S3StoreOptions
        {
            Bucket = "b",
            Endpoint = "http://127.0.0.1:1",
            Credentials = new S3Credentials("a", "s"),
            ConditionalCreate = CapabilitySetting.Enabled,
            MaxSingleCopySize = 1234,
        });

        Assert.True(store.Capabilities.ConditionalCreate);
        Assert.False(store.Capabilities.ConditionalReplace);
        Assert.False(store.Capabilities.UploadPartCopy);
        Assert.False(store.Capabilities.ConditionalMultipartComplete);
        Assert.Equal(1234, store.Capabilities.MaxSingleCopySize);
        Assert.Equal(ETagHeaderForm.Unquoted, store.Dialect.ReadIfMatch); // non-AWS endpoint: RGW's form until probed
    }

    [Fact]
    public async Task PutAsync_ConditionBeforeDetection_ThrowsNotSupportedWithoutSending()
    {
        using var store = new S3ObjectStore(new S3StoreOptions { Bucket = "b", Endpoint = "http://127.0.0.1:1", Credentials = new S3Credentials("a", "s") });

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync(new PutRequest("k", new byte[1]) { Condition = WriteCondition.IfNoneExists }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotSupported, ex.Kind);
        Assert.Contains("ConditionalCreate", ex.Message, StringComparison.Ordinal);
    }
    [Fact]
    public void CachingEndpointProvider_KeysEveryParameterButTheObjects_SoAnSdkUpgradeCannotAddOneUnseen()
    {
        var declared = typeof(Amazon.S3.Endpoints.S3EndpointParameters)
            .GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Select(p => p.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            CachingS3EndpointProvider.KeyedParameters.Concat(CachingS3EndpointProvider.ObjectParameters).Order(StringComparer.Ordinal),
            declared);
    }

    [Fact]
    public void CachingEndpointProvider_SameBucketOtherKey_SameUrlInItsOwnCopy_OtherBucket_OtherUrl()
    {
        var provider = new CachingS3EndpointProvider(new Amazon.S3.Internal.AmazonS3EndpointProvider());
        Amazon.S3.Endpoints.S3EndpointParameters Parameters(string bucket, string key) => new()
        {
            Bucket = bucket,
            Key = key,
            Region = "us-east-1",
            Endpoint = "http://127.0.0.1:7480",
            ForcePathStyle = true,
            UseFIPS = false,
            UseDualStack = false,
            Accelerate = false,
            UseGlobalEndpoint = false,
        };

        var first = provider.ResolveEndpoint(Parameters("bucket-a", "x"));
        var second = provider.ResolveEndpoint(Parameters("bucket-a", "y"));
        var other = provider.ResolveEndpoint(Parameters("bucket-b", "x"));

        Assert.Equal(1, provider.Hits);
        Assert.Equal(first.URL, second.URL);
        Assert.NotSame(first, second); // the SDK appends the request's path to the endpoint it is given
        Assert.Contains("bucket-a", first.URL, StringComparison.Ordinal);
        Assert.Contains("bucket-b", other.URL, StringComparison.Ordinal);
        second.URL += "/changed";
        Assert.Equal(first.URL, provider.ResolveEndpoint(Parameters("bucket-a", "z")).URL);
    }
}
