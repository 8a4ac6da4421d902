using System.Text;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Tests.Format;

/// <summary>Strict envelope parsing: every way a field can be wrong gets a specific error naming field and value.</summary>
public class EnvelopeCodecTests
{
    private static readonly string[] AwsEncryptionClientNames =
    [
        "x-amz-key", "x-amz-key-v2", "x-amz-iv", "x-amz-matdesc", "x-amz-wrap-alg", "x-amz-cek-alg", "x-amz-tag-len",
        "x-amz-unencrypted-content-length", "x-amz-c", "x-amz-3", "x-amz-w", "x-amz-d", "x-amz-i", "x-amz-m", "x-amz-t",
    ];

    private static ObjectEnvelope Sample(string provider = "file", string? keyId = null, int wrappedLength = 60) =>
        new(65536, FileId.New(), provider, keyId ?? "0123456789abcdef0123456789abcdef", TestKeys.RandomBytes(wrappedLength), TestKeys.RandomBytes(32));

    internal static Dictionary<string, string> SampleMetadata() => EnvelopeCodec.Encode(Sample());

    [Fact]
    public void EncodeDecode_RoundTrip_KeepsEveryField()
    {
        var envelope = Sample("rsa", "arn:aws:kms:eu-west-1:123456789012:alias/my-key_1.0+=@", 512);
        var decoded = EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope));
        Assert.Equal(envelope.BlockSize, decoded.BlockSize);
        Assert.Equal(envelope.FileId, decoded.FileId);
        Assert.Equal(envelope.Provider, decoded.Provider);
        Assert.Equal(envelope.KeyId, decoded.KeyId);
        Assert.Equal(envelope.WrappedKey.ToArray(), decoded.WrappedKey.ToArray());
        Assert.Equal(envelope.Commitment.ToArray(), decoded.Commitment.ToArray());
    }

    [Fact]
    public void Encode_Names_AreLowerCaseOurPrefixAndNeverAwsEncryptionClientNames()
    {
        var names = EnvelopeCodec.Encode(Sample()).Keys.ToList();
        Assert.Equal(MetadataKeys.All.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        foreach (var name in names.Append(MetadataKeys.Flags))
        {
            Assert.StartsWith("s3cfs-", name, StringComparison.Ordinal);
            Assert.Equal(name.ToLowerInvariant(), name);
            Assert.DoesNotContain(name, AwsEncryptionClientNames);
            Assert.DoesNotContain(name.Replace("s3cfs-", "x-amz-", StringComparison.Ordinal), AwsEncryptionClientNames);
        }
    }

    [Fact]
    public void Decode_OtherToolsFieldsPresent_Ignored()
    {
        var metadata = SampleMetadata();
        metadata["mode"] = "33188";
        metadata["mtime"] = "1700000000.5";
        metadata["x-amz-key-v2"] = "not ours";
        Assert.Equal(65536, EnvelopeCodec.Decode(metadata).BlockSize);
    }

    [Fact]
    public void Decode_NamesInUpperCase_Accepted()
    {
        var metadata = SampleMetadata().ToDictionary(kv => kv.Key.ToUpperInvariant(), kv => kv.Value);
        Assert.Equal(65536, EnvelopeCodec.Decode(metadata).BlockSize);
    }

    [Fact]
    public void Decode_NoEnvelopeAtAll_SaysNotWrittenByS3Fs()
    {
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(new Dictionary<string, string> { ["mode"] = "1" }));
        Assert.Equal(MetadataKeys.Version, ex.Field);
        Assert.Contains("not written by S3Fs", ex.Message, StringComparison.Ordinal);
        Assert.False(EnvelopeCodec.HasEnvelope(new Dictionary<string, string> { ["mode"] = "1" }));
        Assert.True(EnvelopeCodec.HasEnvelope(SampleMetadata()));
    }

    public static TheoryData<string> AllFields => [.. MetadataKeys.All];

    [Theory]
    [MemberData(nameof(AllFields))]
    public void Decode_FieldMissing_NamesTheField(string field)
    {
        var metadata = SampleMetadata();
        metadata.Remove(field);
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
        Assert.Equal(field, ex.Field);
        Assert.Null(ex.Value);
        Assert.Contains($"'{field}' is missing", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllFields))]
    public void Decode_FieldDuplicatedInOtherCase_Rejected(string field)
    {
        var metadata = SampleMetadata();
        metadata[field.ToUpperInvariant()] = metadata[field];
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
        Assert.Equal(field, ex.Field);
        Assert.Contains("more than once", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MetadataKeys.Version, "2", "unknown format version")]
    [InlineData(MetadataKeys.Version, "01", "unknown format version")]
    [InlineData(MetadataKeys.Version, "1000", "longer than")]
    [InlineData(MetadataKeys.Algorithm, "aes-128-gcm", "unknown content algorithm")]
    [InlineData(MetadataKeys.Algorithm, "AES-256-GCM", "unknown content algorithm")]
    [InlineData(MetadataKeys.BlockSize, "65537", "power of two")]
    [InlineData(MetadataKeys.BlockSize, "2048", "power of two")]
    [InlineData(MetadataKeys.BlockSize, "16777216", "longer than")]
    [InlineData(MetadataKeys.BlockSize, "065536", "leading zeros")]
    [InlineData(MetadataKeys.BlockSize, "+65536", "leading zeros")]
    [InlineData(MetadataKeys.BlockSize, " 65536", "leading zeros")]
    [InlineData(MetadataKeys.BlockSize, "", "leading zeros")]
    [InlineData(MetadataKeys.FileId, "0123456789ABCDEF0123456789ABCDEF", "lower-case hex")]
    [InlineData(MetadataKeys.FileId, "0123456789abcdef0123456789abcde", "lower-case hex")]
    [InlineData(MetadataKeys.FileId, "0123456789abcdef0123456789abcdefa", "longer than")]
    [InlineData(MetadataKeys.FileId, "0123456789abcdef0123456789abcdeg", "lower-case hex")]
    [InlineData(MetadataKeys.KeyProvider, "vault", "unknown key provider")]
    [InlineData(MetadataKeys.KeyProvider, "FILE", "unknown key provider")]
    [InlineData(MetadataKeys.KeyId, "", "key id is 1 to 256")]
    [InlineData(MetadataKeys.KeyId, "has space", "key id is 1 to 256")]
    [InlineData(MetadataKeys.KeyId, "a,b", "comma")]
    [InlineData(MetadataKeys.KeyId, "caf\u00e9", "key id is 1 to 256")]
    [InlineData(MetadataKeys.WrappedKey, "", "empty")]
    [InlineData(MetadataKeys.WrappedKey, "AAA", "not valid base64")]
    [InlineData(MetadataKeys.WrappedKey, "AAAA AAA=", "not valid base64")]
    [InlineData(MetadataKeys.WrappedKey, "AAB=", "canonical")]
    [InlineData(MetadataKeys.WrappedKey, "AA-_", "not valid base64")]
    [InlineData(MetadataKeys.KeyCommitment, "AAAA", "must decode to 32 bytes")]
    [InlineData(MetadataKeys.KeyCommitment, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "longer than")]
    public void Decode_MalformedValue_RejectedNamingFieldAndValue(string field, string value, string expected)
    {
        var metadata = SampleMetadata();
        metadata[field] = value;
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
        Assert.Equal(field, ex.Field);
        Assert.Equal(value, ex.Value);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{field}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_WrappedKeyLongerThan512Bytes_RejectedAsOversized()
    {
        var metadata = SampleMetadata();
        metadata[MetadataKeys.WrappedKey] = Convert.ToBase64String(new byte[513]);
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
        Assert.Contains("longer than", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_KeyIdOf257Characters_RejectedAndOf256Accepted()
    {
        var metadata = SampleMetadata();
        metadata[MetadataKeys.KeyId] = new string('k', 256);
        Assert.Equal(256, EnvelopeCodec.Decode(metadata).KeyId.Length);
        metadata[MetadataKeys.KeyId] = new string('k', 257);
        Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
    }

    [Fact]
    public void Decode_UnknownS3cfsField_Rejected()
    {
        var metadata = SampleMetadata();
        metadata["s3cfs-compression"] = "zstd";
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
        Assert.Equal("s3cfs-compression", ex.Field);
        Assert.Contains("unknown s3cfs-* field", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("none")]
    [InlineData("sparse,compressed")]
    public void Decode_AnyFlagsField_Rejected(string value)
    {
        var metadata = SampleMetadata();
        metadata[MetadataKeys.Flags] = value;
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
        Assert.Equal(MetadataKeys.Flags, ex.Field);
    }

    [Fact]
    public void Decode_NewerVersionWithUnknownFields_ReportsTheVersionFirst()
    {
        var metadata = SampleMetadata();
        metadata[MetadataKeys.Version] = "2";
        metadata["s3cfs-newthing"] = "x";
        metadata.Remove(MetadataKeys.Algorithm);
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
        Assert.Equal(MetadataKeys.Version, ex.Field);
        Assert.Contains("Upgrade S3Fs", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExceptionMessage_HostileValue_IsShortenedAndEscaped()
    {
        var metadata = SampleMetadata();
        metadata[MetadataKeys.Algorithm] = "evil\n\u0007" + new string('x', 5000);
        var ex = Assert.Throws<EnvelopeFormatException>(() => EnvelopeCodec.Decode(metadata));
        Assert.True(ex.Message.Length < 400, ex.Message);
        Assert.DoesNotContain("\n", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\\u000a", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Envelope_LargestWithPosixAttributes_StaysUnder2048Bytes()
    {
        // Worst case of every field at once: longest key id, the longest provider name, an RSA-4096-sized wrapped key,
        // the largest block size; plus s3fs-fuse POSIX attributes at their longest.
        var envelope = new ObjectEnvelope(8 * 1024 * 1024, FileId.New(), "passphrase", "arn:" + new string('a', 252), new byte[512], new byte[32]);
        var metadata = EnvelopeCodec.Encode(envelope);
        metadata["mode"] = "4294967295";
        metadata["uid"] = "4294967295";
        metadata["gid"] = "4294967295";
        metadata["atime"] = "-9223372036854775808.999999999";
        metadata["mtime"] = "-9223372036854775808.999999999";
        metadata["ctime"] = "-9223372036854775808.999999999";
        var envelopeBytes = EnvelopeCodec.Encode(envelope).Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + Encoding.UTF8.GetByteCount(kv.Value));
        var total = metadata.Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + Encoding.UTF8.GetByteCount(kv.Value));
        Assert.Equal(1111, envelopeBytes);
        Assert.True(total < 2048, $"{total} bytes of user metadata");
        Assert.Equal(8 * 1024 * 1024, EnvelopeCodec.Decode(metadata).BlockSize);
    }

    [Fact]
    public void Encode_InvalidEnvelope_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => EnvelopeCodec.Encode(Sample(wrappedLength: 513)));
        Assert.Throws<ArgumentException>(() => EnvelopeCodec.Encode(Sample(provider: "vault")));
        Assert.Throws<ArgumentException>(() => EnvelopeCodec.Encode(Sample(keyId: "a b")));
    }
}
