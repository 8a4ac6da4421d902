using System.Buffers.Binary;
using System.Security.Cryptography;
using S3Fs.Aws.Kms;
using S3Fs.Crypto.Keys;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>The v1 blob layout documented in FILE-FORMAT.md, strict parsing, and local authentication.</summary>
public sealed class IntermediateKeyBlobTests : IDisposable
{
    private static readonly byte[] Context = "s3cfs/v1;file=1;block=65536"u8.ToArray();
    private readonly byte[] _id = RandomNumberGenerator.GetBytes(16);
    private readonly byte[] _kmsCiphertext = RandomNumberGenerator.GetBytes(167);
    private readonly byte[] _userContext = KmsEncryptionContext.Encode(new Dictionary<string, string> { ["team"] = "storage" });
    private readonly DataKey _intermediateKey = DataKey.Generate();
    private readonly DataKey _dataKey = DataKey.Generate();

    public void Dispose()
    {
        _intermediateKey.Dispose();
        _dataKey.Dispose();
    }

    [Fact]
    public void Seal_LaysOutFieldsAtTheDocumentedOffsets()
    {
        var blob = Seal();

        Assert.Equal(81 + 167 + _userContext.Length, blob.Length);
        Assert.Equal(IntermediateKeyBlob.SizeFor(167, _userContext.Length), blob.Length);
        Assert.Equal(1, blob[0]);
        Assert.Equal(_id, blob[1..17]);
        Assert.Equal(167, BinaryPrimitives.ReadUInt16BigEndian(blob.AsSpan(17)));
        Assert.Equal(_kmsCiphertext, blob[19..(19 + 167)]);
        Assert.Equal(_userContext.Length, BinaryPrimitives.ReadUInt16BigEndian(blob.AsSpan(19 + 167)));
        Assert.Equal(_userContext, blob[(21 + 167)..(21 + 167 + _userContext.Length)]);
    }

    [Fact]
    public void ParseThenOpen_SameKeyAndContext_ReturnsTheDataKey()
    {
        var parsed = IntermediateKeyBlob.Parse(Seal());

        using var opened = parsed.Open(_intermediateKey, Context);

        Assert.Equal(_dataKey.Span.ToArray(), opened.Span.ToArray());
        Assert.Equal(_id, parsed.IntermediateKeyId.ToArray());
        Assert.Equal(_kmsCiphertext, parsed.KmsCiphertext.ToArray());
        Assert.Equal(_userContext, parsed.EncodedUserContext.ToArray());
    }

    [Fact]
    public void Open_OtherIntermediateKeyOrContext_ThrowsCryptographicException()
    {
        var parsed = IntermediateKeyBlob.Parse(Seal());
        using var otherKey = DataKey.Generate();

        Assert.Throws<CryptographicException>(() => parsed.Open(otherKey, Context));
        Assert.Throws<CryptographicException>(() => parsed.Open(_intermediateKey, "s3cfs/v1;file=2;block=65536"u8));
        Assert.Throws<CryptographicException>(() => parsed.Open(_intermediateKey, []));
    }

    [Fact]
    public void Open_AnyLocallyProtectedByteFlipped_ThrowsCryptographicException()
    {
        var blob = Seal();
        var kmsRegion = (Start: 17, End: 21 + 167 + _userContext.Length);

        // Bytes 17..21+L+C (lengths, KMS ciphertext, user context) are protected by KMS, not by the local tag:
        // changing them changes the cache key and the Decrypt call, which KMS rejects (see the failure tests).
        for (var i = 0; i < blob.Length; i++)
        {
            if (i >= kmsRegion.Start && i < kmsRegion.End)
            {
                continue;
            }

            var tampered = (byte[])blob.Clone();
            tampered[i] ^= 0x80;
            Assert.ThrowsAny<CryptographicException>(() => IntermediateKeyBlob.Parse(tampered).Open(_intermediateKey, Context));
        }
    }

    [Fact]
    public void Parse_UnknownVersion_SaysToUpgrade()
    {
        var blob = Seal();
        blob[0] = 2;

        var e = Assert.Throws<CryptographicException>(() => IntermediateKeyBlob.Parse(blob));

        Assert.Contains("blob version 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EveryTruncation_ThrowsCryptographicException()
    {
        var blob = Seal();

        for (var length = 0; length < blob.Length; length++)
        {
            var e = Assert.Throws<CryptographicException>(() => IntermediateKeyBlob.Parse(blob.AsMemory(0, length)));
            Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_TrailingBytes_ThrowsCryptographicException()
    {
        var blob = Seal().Append((byte)0).ToArray();

        var e = Assert.Throws<CryptographicException>(() => IntermediateKeyBlob.Parse(blob));

        Assert.Contains("trailing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6145)]
    public void Parse_KmsCiphertextLengthOutOfRange_ThrowsCryptographicException(int declared)
    {
        var blob = Seal();
        BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(17), (ushort)declared);

        var e = Assert.Throws<CryptographicException>(() => IntermediateKeyBlob.Parse(blob));

        Assert.Contains($"{declared} bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UserContextLongerThanTheLimit_ThrowsCryptographicException()
    {
        var blob = Seal();
        BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(19 + 167), 513);

        Assert.Throws<CryptographicException>(() => IntermediateKeyBlob.Parse(blob));
    }

    [Fact]
    public void CacheKey_DependsOnEverythingSentToKms_AndNotOnTheLocalWrap()
    {
        var a = IntermediateKeyBlob.Parse(Seal());
        var sameIk = IntermediateKeyBlob.Parse(Seal());

        Assert.Equal(a.CacheKey, sameIk.CacheKey);
        Assert.Equal(a.CacheKey, IntermediateKeyBlob.ComputeCacheKey(_id, _kmsCiphertext, _userContext));
        foreach (var offset in new[] { 1, 19, 21 + 167 })
        {
            var blob = Seal();
            blob[offset] ^= 1;
            Assert.NotEqual(a.CacheKey, IntermediateKeyBlob.Parse(blob).CacheKey);
        }
    }

    [Fact]
    public void SizeFor_AwsSizedCiphertextAndLargestUserContext_FitsTheMetadataBudget()
    {
        // 167 bytes: the CiphertextBlob of a 256-bit key in the AWS CLI's GenerateDataKey example.
        var typical = IntermediateKeyBlob.SizeFor(167, 0);
        var largest = IntermediateKeyBlob.SizeFor(167, KmsEncryptionContext.MaxEncodedUserContextBytes);

        Assert.Equal(248, typical);
        Assert.True(Base64Length(largest) <= 1024, $"{largest} bytes is {Base64Length(largest)} base64 characters");
    }

    private static int Base64Length(int bytes) => (bytes + 2) / 3 * 4;

    private byte[] Seal() => IntermediateKeyBlob.Seal(_id, _kmsCiphertext, _userContext, _intermediateKey, _dataKey, Context);
}
