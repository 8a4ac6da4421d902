using System.Security.Cryptography;
using S3Fs.Aws.Kms;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>Key specs, the <c>kms_context</c> option and the other options are checked with actionable messages.</summary>
public sealed class KmsMasterKeyOptionsTests
{
    [Theory]
    [InlineData("kms:1234abcd-12ab-34cd-56ef-1234567890ab", null, false)]
    [InlineData("mrk-1234abcd12ab34cd56ef1234567890ab", null, false)]
    [InlineData("kms:alias/s3cfs", null, true)]
    [InlineData("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "eu-west-1", false)]
    [InlineData("kms:arn:aws:kms:us-east-2:111122223333:alias/team/s3cfs", "us-east-2", true)]
    [InlineData("arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "cn-north-1", false)]
    public void KmsKeyIdentifierParse_ValidForms_Accepted(string spec, string? region, bool isAlias)
    {
        var key = KmsKeyIdentifier.Parse(spec);

        Assert.Equal(spec.StartsWith("kms:", StringComparison.Ordinal) ? spec[4..] : spec, key.Value);
        Assert.Equal(region, key.ArnRegion);
        Assert.Equal(isAlias, key.IsAlias);
    }

    [Theory]
    [InlineData("kms:", "names no key")]
    [InlineData("kms:my-key", "is not a key id")]
    [InlineData("alias/", "is not valid")]
    [InlineData("alias/has space", "is not valid")]
    [InlineData("arn:aws:s3:::bucket", "not a valid KMS key or alias ARN")]
    [InlineData("arn:aws:kms:eu-west-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab", "not a valid KMS key or alias ARN")]
    [InlineData("arn:aws:kms:eu-west-1:111122223333:key/not-a-uuid", "is not a KMS key id")]
    public void KmsKeyIdentifierParse_InvalidForms_ThrowWithTheAcceptedForms(string spec, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => KmsKeyIdentifier.Parse(spec));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RegionDisagreesWithArn_Throws()
    {
        var options = new KmsMasterKeyOptions { Key = "arn:aws:kms:eu-west-1:111122223333:alias/x", Region = "us-east-1" };

        var e = Assert.Throws<ArgumentException>(() => options.Validate());

        Assert.Contains("KMS keys are regional", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lifetime", "kms_ik_lifetime")]
    [InlineData("wraps", "kms_ik_max_wraps")]
    [InlineData("cache", "kms_cache_size")]
    [InlineData("attempts", "kms_max_attempts")]
    [InlineData("endpoint", "kms_endpoint")]
    public void Validate_OutOfRange_NamesTheOption(string field, string option)
    {
        var options = new KmsMasterKeyOptions { Key = "alias/x" };
        options = field switch
        {
            "lifetime" => options with { IntermediateKeyLifetime = TimeSpan.Zero },
            "wraps" => options with { IntermediateKeyMaxWraps = 0 },
            "cache" => options with { CacheCapacity = -1 },
            "attempts" => options with { MaxAttempts = 0 },
            _ => options with { Endpoint = new Uri("ftp://kms.example") },
        };

        var e = Assert.Throws<ArgumentException>(() => options.Validate());

        Assert.Contains(option, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_AreAccepted()
    {
        var key = new KmsMasterKeyOptions { Key = "kms:alias/s3cfs" }.Validate();

        Assert.Equal("alias/s3cfs", key.Value);
    }

    [Fact]
    public void ParseOption_Pairs_ReturnsTheContext()
    {
        var context = KmsEncryptionContext.ParseOption("team=storage; env=prod;");

        Assert.Equal(2, context.Count);
        Assert.Equal("storage", context["team"]);
        Assert.Equal("prod", context["env"]);
    }

    [Theory]
    [InlineData("s3cfs:purpose=x", "reserves")]
    [InlineData("S3CFS:ik=x", "reserves")]
    [InlineData("aws:s3:arn=x", "AWS services")]
    [InlineData("team", "is not key=value")]
    [InlineData("team=", "is not key=value")]
    [InlineData("=x", "is not key=value")]
    [InlineData("a=1;a=2", "appears twice")]
    public void ParseOption_Invalid_ThrowsSaying(string option, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => KmsEncryptionContext.ParseOption(option));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UserContextOverBudget_Throws()
    {
        var big = Enumerable.Range(0, 10).ToDictionary(i => $"key{i}", _ => new string('v', 60));

        var e = Assert.Throws<ArgumentException>(() => KmsEncryptionContext.Validate(big));

        Assert.Contains("at most 512", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeDecode_RoundTripsInCanonicalOrder()
    {
        var context = new Dictionary<string, string> { ["zeta"] = "1", ["alpha"] = "é" };

        var encoded = KmsEncryptionContext.Encode(context);

        Assert.Equal((byte)'a', encoded[1]);
        Assert.Equal(context, KmsEncryptionContext.Decode(encoded));
        Assert.Empty(KmsEncryptionContext.Decode([]));
    }

    [Fact]
    public void Decode_NonCanonicalOrReservedOrBroken_ThrowsCryptographicException()
    {
        byte[] unsorted = [1, (byte)'b', 1, (byte)'1', 1, (byte)'a', 1, (byte)'2'];
        byte[] reserved = [8, .. "s3cfs:ik"u8, 1, (byte)'1'];
        byte[] truncated = [5, (byte)'a'];
        byte[] badUtf8 = [1, 0xff, 1, (byte)'1'];

        foreach (var encoded in new[] { unsorted, reserved, truncated, badUtf8 })
        {
            Assert.Throws<CryptographicException>(() => KmsEncryptionContext.Decode(encoded));
        }
    }

    [Fact]
    public void ForIntermediateKey_MergesOurFieldsWithTheUsers()
    {
        var context = KmsEncryptionContext.ForIntermediateKey([0xab, 0x01], new Dictionary<string, string> { ["team"] = "storage" });

        Assert.Equal("storage", context["team"]);
        Assert.Equal("intermediate-key-v1", context["s3cfs:purpose"]);
        Assert.Equal("ab01", context["s3cfs:ik"]);
    }
}
