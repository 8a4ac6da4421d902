namespace S3Fs.Dokan.Tests;

public class WindowsNamesTests
{
    [Theory]
    [InlineData("plain.txt", "plain.txt")]
    [InlineData("a:b", "a\uF03Ab")]
    [InlineData("q?<>|*\"", "q\uF03F\uF03C\uF03E\uF07C\uF02A\uF022")]
    [InlineData("back\\slash", "back\uF05Cslash")]
    [InlineData("tab\there", "tab\uF009here")]
    [InlineData("notes.", "notes\uF02E")]
    [InlineData("trailing ", "trailing\uF020")]
    [InlineData("CON", "\uF043ON")]
    [InlineData("con.txt", "\uF063on.txt")]
    [InlineData("Lpt9.log", "\uF04Cpt9.log")]
    [InlineData("NUL .x", "\uF04EUL .x")]
    [InlineData("COM\u00B9", "\uF043OM\u00B9")]
    [InlineData("console", "console")]
    [InlineData("CONx.txt", "CONx.txt")]
    [InlineData("ünï ファイル", "ünï ファイル")]
    public void ToWindows_Name_IsEscaped(string s3, string windows) =>
        Assert.Equal(windows, WindowsNames.ToWindows(s3));

    [Theory]
    [InlineData("plain.txt")]
    [InlineData("a:b")]
    [InlineData("q?<>|*\"")]
    [InlineData("back\\slash")]
    [InlineData("notes.")]
    [InlineData("trailing ")]
    [InlineData("con.txt")]
    [InlineData("aux")]
    [InlineData("\u0001\u001f")]
    [InlineData("#hash?q=1")]
    public void FromWindows_OfToWindows_IsTheOriginal(string s3) =>
        Assert.Equal(s3, WindowsNames.FromWindows(WindowsNames.ToWindows(s3)));

    [Fact]
    public void ToWindows_EveryAsciiCharacter_ProducesAValidWindowsNameThatRoundTrips()
    {
        for (var c = (char)1; c < 0x80; c++)
        {
            foreach (var s3 in new[] { $"{c}", $"x{c}y", $"{c}.ext", $"name{c}" })
            {
                var windows = WindowsNames.ToWindows(s3);
                Assert.DoesNotContain(windows, WindowsNames.IsForbidden);
                Assert.False(windows.EndsWith('.') || windows.EndsWith(' '), $"'{windows}' ends with a dot or space");
                Assert.False(WindowsNames.IsReservedDeviceName(windows), $"'{windows}' is a device name");
                Assert.Equal(s3, WindowsNames.FromWindows(windows));
            }
        }
    }

    [Fact]
    public void ToWindows_CaseCollisionsOnCaseInsensitiveMount_GetMarkersAndStayDistinct()
    {
        var s3 = new[] { "b.txt", "a.txt", "A.txt", "A.TXT", "Makefile", "makefile" };

        var windows = WindowsNames.ToWindows(s3, caseInsensitive: true);

        // Ordinal order decides: "A.TXT" < "A.txt" < "a.txt", and "Makefile" < "makefile".
        Assert.Equal(["b.txt", "a\uF0FF\uF0FF.txt", "A\uF0FF.txt", "A.TXT", "Makefile", "makefile\uF0FF"], windows);
        Assert.Equal(windows.Length, windows.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        for (var i = 0; i < s3.Length; i++)
        {
            Assert.Equal(s3[i], WindowsNames.FromWindows(windows[i]));
        }
    }

    [Fact]
    public void ToWindows_CaseSensitiveMount_LeavesCaseVariantsAlone()
    {
        Assert.Equal(["a.txt", "A.txt"], WindowsNames.ToWindows(["a.txt", "A.txt"], caseInsensitive: false));
    }

    [Fact]
    public void ToWindows_ReservedNamesDifferingInCase_StayDistinctThroughTheirEscapes()
    {
        // Escape characters have no case, so "con" and "CON" no longer collide once escaped: no markers needed.
        var windows = WindowsNames.ToWindows(["con", "CON"], caseInsensitive: true);

        Assert.Equal(["\uF063on", "\uF043ON"], windows);
        Assert.Equal(["con", "CON"], windows.Select(WindowsNames.FromWindows));
    }

    [Fact]
    public void FromWindows_UserTypedEscape_CreatesTheForbiddenName() =>
        Assert.Equal("report: final?.txt", WindowsNames.FromWindows("report\uF03A final\uF03F.txt"));
}
