namespace S3Fs.Dokan.Tests;

public class DosPatternTests
{
    [Theory]
    [InlineData("*", "anything.at.all", true)]
    [InlineData("*", "", true)]
    [InlineData("*.txt", "a.txt", true)]
    [InlineData("*.txt", "A.TXT", true)]
    [InlineData("*.txt", ".txt", true)]
    [InlineData("*.txt", "a.txt.bak", false)]
    [InlineData("*.txt", "atxt", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "a.c", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("a?c", "abbc", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("exact.name", "EXACT.NAME", true)]
    [InlineData("exact.name", "exact.names", false)]
    public void IsMatch_StarAndQuestionMark_BehaveLikeWindows(string pattern, string name, bool expected) =>
        Assert.Equal(expected, DosPattern.IsMatch(pattern, name, ignoreCase: true));

    [Theory]
    // DOS_STAR '<': anything up to (not including) the last dot. Win32 sends "*." as "<": names without an extension.
    [InlineData("<", "readme", true)]
    [InlineData("<", "readme.txt", false)]
    [InlineData("<.txt", "a.b.txt", true)]
    [InlineData("<.txt", "a.txt", true)]
    [InlineData("<.txt", "a.txt.txt", true)]
    [InlineData("<.txt", "a.doc", false)]
    [InlineData("<.*", "a.b.c", true)]
    [InlineData("<b", "a.b", false)]
    // DOS_QM '>': one character, or nothing at a dot or at the end ("?" in 8.3 patterns: up to one character).
    [InlineData(">>>.txt", "a.txt", true)]
    [InlineData(">>>.txt", "abc.txt", true)]
    [InlineData(">>>.txt", "abcd.txt", false)]
    [InlineData("a>", "a", true)]
    [InlineData("a>", "ab", true)]
    [InlineData("a>", "abc", false)]
    // DOS_DOT '"': a dot, or nothing at the end. Win32 sends "name.*" as "name\"*", so a bare "name" matches too.
    [InlineData("abc\"*", "abc", true)]
    [InlineData("abc\"*", "abc.txt", true)]
    [InlineData("abc\"*", "abcd", false)]
    [InlineData("abc\"", "abc", true)]
    [InlineData("abc\"", "abc.", true)]
    [InlineData("abc\"", "abcx", false)]
    public void IsMatch_DosWildcards_FollowFsRtlIsNameInExpression(string pattern, string name, bool expected) =>
        Assert.Equal(expected, DosPattern.IsMatch(pattern, name, ignoreCase: true));

    [Fact]
    public void IsMatch_CaseSensitive_DistinguishesCase()
    {
        Assert.False(DosPattern.IsMatch("*.TXT", "a.txt", ignoreCase: false));
        Assert.True(DosPattern.IsMatch("*.txt", "a.txt", ignoreCase: false));
    }

    [Fact]
    public void IsMatch_ManyStarsOnALongName_FinishesQuickly()
    {
        // Memoised: no exponential backtracking on a pathological expression.
        var name = new string('a', 250);
        Assert.False(DosPattern.IsMatch("*a*a*a*a*a*a*a*a*a*a*b", name, ignoreCase: true));
    }
}
