using S3Fs.Aws.Storage;
using S3Fs.Aws.Tests.Http;
using S3Fs.Testing;

namespace S3Fs.Aws.Tests.Storage;

/// <summary>Capability detection against the real RGW: what it finds, and that it leaves nothing behind.</summary>
[Trait("Category", "S3")]
public sealed class S3CapabilityProbeTests
{
    [Fact]
    public async Task DetectCapabilitiesAsync_OnRgw_FindsRgwFeaturesAndQuirks()
    {
        var prefix = RgwEnvironment.UniquePrefix(nameof(DetectCapabilitiesAsync_OnRgw_FindsRgwFeaturesAndQuirks));
        RecordingHandler? wire = null;
        using var store = await Rgw.StoreAsync(prefix, o => o with { HttpHandlerDecorator = inner => wire = new RecordingHandler(inner) }, detect: false);
        Assert.False(store.Capabilities.ConditionalCreate); // never assumed before detection

        var caps = await store.DetectCapabilitiesAsync(prefix, CancellationToken.None);

        Assert.True(caps.UploadPartCopy);
        Assert.True(caps.ConditionalCreate);
        Assert.True(caps.ConditionalReplace);
        Assert.False(caps.ConditionalMultipartComplete); // RGW 16 ignores conditions on CompleteMultipartUpload
        Assert.False(caps.ConditionalCopy); // and on the destination of CopyObject
        Assert.Equal(ETagHeaderForm.Unquoted, store.Dialect.WriteIfMatch); // RGW accepts a correct If-Match only unquoted
        Assert.Equal(ETagHeaderForm.Unquoted, store.Dialect.ReadIfMatch);
        Assert.False(store.Dialect.CopySourceIfMatchHonoured); // RGW ignores x-amz-copy-source-if-match
        Assert.True(store.Dialect.Probed);

        // The quirks are the server's, not a header the SDK failed to send: the wire shows the conditions went out.
        var copies = wire!.Exchanges.Where(e => e.RequestHeader("x-amz-copy-source") is not null && e.RequestHeader("x-amz-copy-source-range") is null).ToList();
        Assert.Contains(copies, e => e.RequestHeader("If-None-Match") == "*" && e.StatusCode == 200);
        Assert.Contains(copies, e => e.RequestHeader("x-amz-copy-source-if-match") is not null && e.StatusCode == 200);
        var completes = wire.Exchanges.Where(e => e.Method == HttpMethod.Post && e.Query.Contains("uploadId", StringComparison.Ordinal)).ToList();
        Assert.Contains(completes, e => e.RequestHeader("If-None-Match") == "*" && e.StatusCode == 200);

        var left = await store.ListAsync(new Core.Storage.ListRequest(prefix) { Delimiter = null }, CancellationToken.None);
        Assert.Empty(left.Objects);
    }

    [Fact]
    public async Task DetectCapabilitiesAsync_WithOverrides_KeepsConfiguredValues()
    {
        var prefix = RgwEnvironment.UniquePrefix(nameof(DetectCapabilitiesAsync_WithOverrides_KeepsConfiguredValues));
        using var store = await Rgw.StoreAsync(prefix, o => o with
        {
            UploadPartCopy = CapabilitySetting.Disabled,
            ConditionalCreate = CapabilitySetting.Disabled,
            ConditionalMultipartComplete = CapabilitySetting.Enabled,
        }, detect: false);
        Assert.True(store.Capabilities.ConditionalMultipartComplete);

        var caps = await store.DetectCapabilitiesAsync(prefix, CancellationToken.None);

        Assert.False(caps.UploadPartCopy);
        Assert.False(caps.ConditionalCreate);
        Assert.True(caps.ConditionalMultipartComplete);
        Assert.True(caps.ConditionalReplace); // still probed
    }
}
