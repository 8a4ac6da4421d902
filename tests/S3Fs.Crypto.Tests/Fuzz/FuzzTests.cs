using S3Fs.Crypto.Tests.Format;

namespace S3Fs.Crypto.Tests.Fuzz;

/// <summary>Drives the fuzz targets with seeded inputs on every test run.</summary>
public class FuzzTests
{
    [Fact]
    public void EnvelopeFuzzTarget_RandomAndMutatedMetadata_OnlyEnvelopeFormatException()
    {
        var seeds = Enumerable.Range(0, 8).Select(_ => EnvelopeFuzzTarget.ToInput(EnvelopeCodecTests.SampleMetadata())).ToList();
        FuzzDriver.Run<EnvelopeFuzzTarget>(FuzzDriver.Inputs(seed: 42, count: 20_000, seeds));
    }

    [Fact]
    public void EnvelopeFuzzTarget_ValidSeeds_AreAccepted()
    {
        // The property "accepted implies canonical" is only meaningful if valid inputs do get accepted.
        var metadata = EnvelopeCodecTests.SampleMetadata();
        EnvelopeFuzzTarget.Fuzz(EnvelopeFuzzTarget.ToInput(metadata));
        Assert.Equal(65536, S3Fs.Crypto.Format.EnvelopeCodec.Decode(EnvelopeFuzzTarget.ToMetadata(EnvelopeFuzzTarget.ToInput(metadata))).BlockSize);
    }

    [Fact]
    public void BlockOpenFuzzTarget_RandomBlocks_NeverOpenNorThrow()
    {
        var random = new Random(7);
        var seeds = new List<byte[]>();
        foreach (var length in new[] { 28, 29, 100, 4096 + 28 })
        {
            var bytes = new byte[length + 1];
            random.NextBytes(bytes);
            seeds.Add(bytes);
        }

        FuzzDriver.Run<BlockOpenFuzzTarget>(FuzzDriver.Inputs(seed: 43, count: 5_000, seeds));
    }
}
