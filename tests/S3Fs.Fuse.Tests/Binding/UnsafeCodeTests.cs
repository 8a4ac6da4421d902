using System.Text.RegularExpressions;

namespace S3Fs.Fuse.Tests.Binding;

/// <summary>Every unsafe method, unsafe block and fixed statement in S3Fs.Fuse states its invariant in a "// SAFETY:" comment.</summary>
public sealed class UnsafeCodeTests
{
    /// <summary>How far (in lines) the comment may sit from the construct: the opening lines of the method or block.</summary>
    private const int Window = 6;

    private static readonly Regex UnsafeConstruct = new(@"\bunsafe\b|\bfixed\s*\(", RegexOptions.Compiled);

    // Declarations, not code: LibraryImport prototypes and pointer-carrying interop structs.
    private static readonly Regex Declaration = new(@"\bunsafe\s+(partial\s|struct\s)|unsafe partial", RegexOptions.Compiled);

    [Fact]
    public void Sources_EveryUnsafeConstruct_CarriesASafetyComment()
    {
        string source = FindSourceDirectory();
        var missing = new List<string>();
        int checkedCount = 0;
        foreach (string file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = lines[i].Split("//")[0];
                if (!UnsafeConstruct.IsMatch(code) || Declaration.IsMatch(code))
                {
                    continue;
                }

                checkedCount++;
                int from = Math.Max(0, i - Window), to = Math.Min(lines.Length - 1, i + Window);
                if (!lines[from..(to + 1)].Any(l => l.Contains("// SAFETY:", StringComparison.Ordinal)))
                {
                    missing.Add($"{Path.GetRelativePath(source, file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(checkedCount > 5, "the scan found no unsafe code at all: wrong directory?");
        Assert.True(missing.Count == 0, "unsafe code without a // SAFETY: comment:\n" + string.Join('\n', missing));
    }

    private static string FindSourceDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "S3Fs.Fuse");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("src/S3Fs.Fuse not found above " + AppContext.BaseDirectory);
    }
}
