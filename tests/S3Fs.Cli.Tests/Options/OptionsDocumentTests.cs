using S3Fs.Cli.Options;

namespace S3Fs.Cli.Tests.Options;

/// <summary>docs/CONFIGURATION.md documents exactly the options the parser accepts, with the same defaults.</summary>
public class OptionsDocumentTests
{
    [Fact]
    public void ConfigurationDoc_ReferenceSection_MatchesSchema()
    {
        var path = Path.Combine(RepoRoot(), "docs", "CONFIGURATION.md");
        var doc = File.ReadAllText(path);
        var begin = doc.IndexOf(OptionsDocument.BeginMarker, StringComparison.Ordinal);
        var end = doc.IndexOf(OptionsDocument.EndMarker, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/CONFIGURATION.md lost its option reference markers");
        var actual = doc[(begin + OptionsDocument.BeginMarker.Length)..end].Trim('\n');
        var expected = OptionsDocument.Render().Trim('\n');
        if (actual != expected && Environment.GetEnvironmentVariable("S3CFS_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, doc[..(begin + OptionsDocument.BeginMarker.Length)] + "\n" + expected + "\n" + doc[end..]);
            return;
        }

        Assert.True(actual == expected, "docs/CONFIGURATION.md is out of step with OptionSchema; rerun this test with S3CFS_UPDATE_DOCS=1 to regenerate the reference section, then review the diff.");
    }

    [Fact]
    public void ConfigurationDoc_DocumentsEveryOptionOnce()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "CONFIGURATION.md"));
        foreach (var def in OptionSchema.All)
        {
            var heading = $"### `{def.Name}`";
            var first = doc.IndexOf(heading, StringComparison.Ordinal);
            Assert.True(first >= 0, $"{def.Name} is not documented");
            Assert.True(doc.IndexOf(heading, first + 1, StringComparison.Ordinal) < 0, $"{def.Name} is documented twice");
        }
    }

    [Fact]
    public void Schema_EveryOptionHasDescriptionAndExample()
    {
        foreach (var def in OptionSchema.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(def.Description), def.Name);
            Assert.False(string.IsNullOrWhiteSpace(def.Example), def.Name + " has no example");
            Assert.Matches("^[a-z][a-z0-9_]*$", def.Name);
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "S3Fs.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("S3Fs.sln not found");
    }
}
