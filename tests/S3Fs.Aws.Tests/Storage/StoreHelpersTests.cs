using System.Net;
using S3Fs.Aws.Storage;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Tests.Storage;

public sealed class ReadOnlyMemoryStreamTests
{
    [Fact]
    public async Task Read_SliceOfArray_YieldsExactlyTheSliceAndSeeks()
    {
        var backing = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        using var stream = new ReadOnlyMemoryStream(backing.AsMemory(10, 20));
        var buffer = new byte[50];

        var n = await stream.ReadAsync(buffer);
        var end = await stream.ReadAsync(buffer);
        stream.Position = 5;
        var b = stream.ReadByte();

        Assert.Equal(20, n);
        Assert.Equal(backing.AsSpan(10, 20).ToArray(), buffer.AsSpan(0, 20).ToArray());
        Assert.Equal(0, end);
        Assert.Equal(15, b);
        Assert.Equal(20, stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Write(buffer, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Seek(21, SeekOrigin.Begin));
    }

    [Fact]
    public async Task CopyToAsync_FromMiddle_CopiesTheRest()
    {
        using var stream = new ReadOnlyMemoryStream(new byte[] { 1, 2, 3, 4, 5 });
        stream.Position = 2;
        using var target = new MemoryStream();

        await stream.CopyToAsync(target);

        Assert.Equal(new byte[] { 3, 4, 5 }, target.ToArray());
        Assert.Equal(5, stream.Position);
    }
}

public sealed class CustomerKeyMemoryTests
{
    [Fact]
    public void Set_BeyondCapacity_EvictsLeastRecentlyUsed()
    {
        using var k1 = new CustomerKey(new byte[32]);
        var memory = new CustomerKeyMemory(2);

        memory.Set("a", k1);
        memory.Set("b", k1);
        Assert.Same(k1, memory.Get("a")); // "a" is now the most recent
        memory.Set("c", k1);

        Assert.Equal(2, memory.Count);
        Assert.Null(memory.Get("b"));
        Assert.Same(k1, memory.Get("a"));
        Assert.Same(k1, memory.Get("c"));
    }

    [Fact]
    public void Set_Null_Forgets()
    {
        using var k1 = new CustomerKey(new byte[32]);
        var memory = new CustomerKeyMemory(4);
        memory.Set("a", k1);

        memory.Set("a", null);

        Assert.Null(memory.Get("a"));
        Assert.Equal(0, memory.Count);
    }
}

public sealed class S3ErrorMapperTests
{
    [Theory]
    [InlineData(404, "NoSuchKey", ObjectStoreErrorKind.NotFound)]
    [InlineData(412, "PreconditionFailed", ObjectStoreErrorKind.PreconditionFailed)]
    [InlineData(409, "ConditionalRequestConflict", ObjectStoreErrorKind.PreconditionFailed)]
    [InlineData(409, "OperationAborted", ObjectStoreErrorKind.Transient)]
    [InlineData(403, "AccessDenied", ObjectStoreErrorKind.AccessDenied)]
    [InlineData(416, "InvalidRange", ObjectStoreErrorKind.InvalidRange)]
    [InlineData(429, "TooManyRequests", ObjectStoreErrorKind.Throttled)]
    [InlineData(503, "SlowDown", ObjectStoreErrorKind.Throttled)]
    [InlineData(500, "InternalError", ObjectStoreErrorKind.Transient)]
    [InlineData(502, "BadGateway", ObjectStoreErrorKind.Transient)]
    [InlineData(504, "GatewayTimeout", ObjectStoreErrorKind.Transient)]
    [InlineData(501, "NotImplemented", ObjectStoreErrorKind.NotSupported)]
    [InlineData(400, "RequestTimeout", ObjectStoreErrorKind.Transient)]
    [InlineData(400, "InvalidArgument", ObjectStoreErrorKind.Other)]
    public void KindOf_StatusAndCode_MapsToKind(int status, string code, ObjectStoreErrorKind expected)
    {
        Assert.Equal(expected, S3ErrorMapper.KindOf((HttpStatusCode)status, code, "message"));
    }

    [Theory]
    [InlineData("The calculated MD5 hash of the key did not match the hash that was provided.")]
    [InlineData("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.")]
    public void KindOf_SseCKeyProblem_IsAccessDenied(string message)
    {
        Assert.Equal(ObjectStoreErrorKind.AccessDenied, S3ErrorMapper.KindOf(HttpStatusCode.BadRequest, "InvalidArgument", message));
    }

    [Fact]
    public void Map_NoCredentials_IsAccessDeniedAndSaysWhatToSet()
    {
        var sdk = new Amazon.Runtime.AmazonClientException("Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors: ...");
        var ex = S3ErrorMapper.Map(sdk, "ListObjectsV2", "b", null, timedOut: false, TimeSpan.FromSeconds(1));
        Assert.Equal(ObjectStoreErrorKind.AccessDenied, ex.Kind);
        Assert.Contains("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", ex.Message);
    }

    [Fact]
    public void Map_NetworkFailure_IsTransientAndNamesTheCause()
    {
        var ex = S3ErrorMapper.Map(new HttpRequestException("send failed", new IOException("Connection reset by peer")), "GetObject", "b", "k", timedOut: false, TimeSpan.FromSeconds(1));

        Assert.Equal(ObjectStoreErrorKind.Transient, ex.Kind);
        Assert.Contains("Connection reset by peer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_TimedOut_IsTransientAndStatesTheTimeout()
    {
        var ex = S3ErrorMapper.Map(new TaskCanceledException(), "PutObject", "b", "k", timedOut: true, TimeSpan.FromSeconds(60));

        Assert.Equal(ObjectStoreErrorKind.Transient, ex.Kind);
        Assert.Contains("60 s", ex.Message, StringComparison.Ordinal);
    }
}
