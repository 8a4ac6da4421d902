namespace S3Fs.Dokan.Tests;

public class FileTimesTests
{
    [Fact]
    public void ToFileTime_UnixEpoch_IsTheKnownFileTime()
    {
        // 1970-01-01 is 11644473600 s after 1601-01-01: 116444736000000000 ticks of 100 ns.
        Assert.Equal(116444736000000000L, FileTimes.ToFileTime(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void FromSetFileTime_OfToFileTime_KeepsEvery100NsTick()
    {
        var when = new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.FromHours(2)).AddTicks(1234567);
        Assert.Equal(when, FileTimes.FromSetFileTime(FileTimes.ToFileTime(when)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(-2L)]
    public void FromSetFileTime_NoChangeValues_AreNull(long? value) => Assert.Null(FileTimes.FromSetFileTime(value));

    [Theory]
    [InlineData(-3L)]
    [InlineData(long.MaxValue)]
    public void FromSetFileTime_OutOfRange_Throws(long value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FileTimes.FromSetFileTime(value));

    [Fact]
    public void ToFileTime_BeforeFileTimeEpoch_IsZero() =>
        Assert.Equal(0, FileTimes.ToFileTime(DateTimeOffset.MinValue));
}
